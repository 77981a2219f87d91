"""A user's AI assistant settings (users.ai_*): provider switch, model, Ollama URL, key.

The OpenRouter key is stored encrypted with the runtime's ``Vault`` and never returned: the
configuration only says whether one is stored. ``provider`` None means the assistant is off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from aristobot.config import AI_ALLOWED_HOSTS
from aristobot.db.models import UserRow
from aristobot.errors import AIError, NotFound, ValidationError
from aristobot.security import Vault
from aristobot.security.ai_hosts import check_ai_url
from aristobot.strategies import messages
from aristobot.strategies.ai.clients import (
    OLLAMA_URL,
    OPENROUTER_URL,
    OllamaClient,
    OpenRouterClient,
)

PROVIDERS = ("openrouter", "ollama")
_UNSET = object()


@dataclass(frozen=True, slots=True)
class AIConfig:
    provider: str | None  # "openrouter" | "ollama" | None (assistant off)
    model: str | None
    ollama_url: str
    has_api_key: bool

    @property
    def enabled(self) -> bool:
        return self.provider is not None


def _user(s: Session, user_id: int) -> UserRow:
    row = s.get(UserRow, user_id)
    if row is None:
        raise NotFound(what="Utilisateur")
    return row


def get_ai_config(s: Session, user_id: int) -> AIConfig:
    row = _user(s, user_id)
    return AIConfig(row.ai_provider, row.ai_model, row.ai_url or OLLAMA_URL,
                    bool(row.ai_api_key))


def validate_url(url: str) -> str:
    """Return the Ollama base URL: http(s), a host, no credentials, query or fragment."""
    from urllib.parse import urlsplit

    url = (url or "").strip().rstrip("/")
    refused = ValidationError(reason=messages.invalid_ollama_url(OLLAMA_URL))
    if len(url) > 255 or any(c.isspace() or ord(c) < 32 for c in url):
        raise refused
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise refused from None
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.username
            or parts.password or parts.query or parts.fragment or port == 0):
        raise refused
    return url


def set_ai_config(s: Session, vault: Vault, user_id: int, *, provider: object = _UNSET,
                  model: object = _UNSET, ollama_url: str | None = None,
                  api_key: str | None = None,
                  allowed_hosts: Iterable[str] = AI_ALLOWED_HOSTS) -> AIConfig:
    """Change some settings; ``api_key`` is encrypted (an empty string deletes it)."""
    row = _user(s, user_id)
    if api_key is not None:
        key = api_key.strip()
        row.ai_api_key = vault.encrypt(key) if key else None
    if ollama_url is not None:
        row.ai_url = check_ai_url(validate_url(ollama_url), allowed_hosts)
    if provider is not _UNSET:
        if provider is not None and provider not in PROVIDERS:
            raise ValidationError(reason=messages.unknown_provider(provider))
        if provider == "openrouter" and not row.ai_api_key:
            raise ValidationError(reason=messages.OPENROUTER_KEY_FIRST)
        if provider != row.ai_provider:
            row.ai_model = None  # a model name belongs to one provider
        row.ai_provider = provider
    if model is not _UNSET:
        if model is not None and (not isinstance(model, str) or len(model) > 128):
            raise ValidationError(reason=messages.INVALID_MODEL_NAME)
        row.ai_model = model or None
    s.flush()
    return get_ai_config(s, user_id)


def make_client(s: Session, vault: Vault, user_id: int, *, provider: str | None = None,
                extra: Mapping[str, str] | None = None,
                timeout_s: float | None = None,
                allowed_hosts: Iterable[str] = AI_ALLOWED_HOSTS) -> OpenRouterClient | OllamaClient:
    """Return the client of ``provider`` (default: the active one) with the user's settings.

    Its URL must be on ``allowed_hosts`` (ARISTOBOT_AI_ALLOWED_HOSTS): refused before any fetch.
    """
    row = _user(s, user_id)
    provider = provider or row.ai_provider
    model = row.ai_model if provider == row.ai_provider else None
    if provider == "openrouter":
        if not row.ai_api_key:
            raise AIError(reason=messages.NO_OPENROUTER_KEY)
        base = (extra or {}).get("ARISTOBOT_OPENROUTER_URL", OPENROUTER_URL)
        return OpenRouterClient(vault.decrypt(row.ai_api_key), model,
                                base_url=check_ai_url(base, allowed_hosts),
                                timeout_s=timeout_s or 60.0)
    if provider == "ollama":
        url = check_ai_url(validate_url(row.ai_url or OLLAMA_URL), allowed_hosts)
        return OllamaClient(url, model,
                            timeout_s=timeout_s or 120.0)
    raise AIError(
        reason=messages.ASSISTANT_DISABLED
    )
