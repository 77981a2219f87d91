"""View-model of « Mon Compte » → Assistant IA: exclusive provider switches, key, URL, model.

The OpenRouter key is write-only: typed, encrypted at save, cleared from the form, never shown
again (only « clé enregistrée »). The model list comes from the provider (async, French errors).
"""

from __future__ import annotations

from typing import Any

import param

from aristobot.errors import AristobotError
from aristobot.runtime import Runtime
from aristobot.strategies.ai import get_ai_config, make_client, set_ai_config
from aristobot.ui import messages as msg


class AISectionVM(param.Parameterized):
    openrouter_on = param.Boolean(default=False, label="Utiliser OpenRouter")
    ollama_on = param.Boolean(default=False, label="Utiliser Ollama")
    api_key = param.String(default="")  # typed by the user; emptied after save
    key_status = param.String(default="")
    ollama_url = param.String(default="http://localhost:11434")
    models = param.List(default=[])
    model = param.String(default="")
    message = param.String(default="")
    error = param.String(default="")
    busy = param.Boolean(default=False)

    def __init__(self, runtime: Runtime, user_id: int, **params: Any) -> None:
        super().__init__(**params)
        self._runtime = runtime
        self._user_id = user_id
        self._syncing = False
        self._reload()

    def _reload(self) -> None:
        with self._runtime.sessions() as s:
            cfg = get_ai_config(s, self._user_id)
        self._syncing = True
        try:
            self.openrouter_on = cfg.provider == "openrouter"
            self.ollama_on = cfg.provider == "ollama"
            self.ollama_url = cfg.ollama_url
            self.model = cfg.model or ""
            if self.model and self.model not in self.models:
                self.models = [self.model, *self.models]
            self.key_status = msg.AI_KEY_STORED if cfg.has_api_key else msg.AI_NO_KEY
        finally:
            self._syncing = False

    @property
    def provider(self) -> str | None:
        return "openrouter" if self.openrouter_on else "ollama" if self.ollama_on else None

    def _store(self, success: str, **changes: Any) -> bool:
        self.message, self.error = "", ""
        try:
            with self._runtime.sessions.begin() as s:
                set_ai_config(s, self._runtime.vault, self._user_id, **changes,
                              allowed_hosts=self._runtime.settings.ai_allowed_hosts)
        except AristobotError as e:
            self.error = e.user_message()
            self._reload()
            return False
        self.message = success
        self._reload()
        return True

    def _switched(self, provider: str, label: str, on: bool, other: str, other_on: bool) -> None:
        """One provider's switch moved: store the provider now in use (or none)."""
        if self._syncing:
            return
        self.models = []
        self._store(msg.AI_PROVIDER_ON.format(provider=label) if on else msg.AI_OFF,
                    provider=provider if on else (other if other_on else None))

    @param.depends("openrouter_on", watch=True)
    def _on_openrouter(self) -> None:
        self._switched("openrouter", "OpenRouter", self.openrouter_on, "ollama", self.ollama_on)

    @param.depends("ollama_on", watch=True)
    def _on_ollama(self) -> None:
        self._switched("ollama", "Ollama", self.ollama_on, "openrouter", self.openrouter_on)

    def save_key(self) -> bool:
        key, self.api_key = self.api_key.strip(), ""
        if not key:
            self.error = msg.AI_ENTER_KEY
            return False
        return self._store(msg.AI_KEY_SAVED, api_key=key)

    def save_url(self) -> bool:
        return self._store(msg.AI_URL_SAVED, ollama_url=self.ollama_url)

    def choose_model(self, model: str) -> bool:
        return self._store(msg.AI_MODEL_CHOSEN.format(model=model), model=model or None)

    async def load_models(self) -> bool:
        """Fetch the active provider's model list."""
        self.message, self.error, self.busy = "", "", True
        try:
            with self._runtime.sessions() as s:
                client = make_client(s, self._runtime.vault, self._user_id,
                                     extra=self._runtime.settings.extra, timeout_s=15.0,
                                     allowed_hosts=self._runtime.settings.ai_allowed_hosts)
            models = await client.list_models()
        except AristobotError as e:
            self.error = e.user_message()
            return False
        finally:
            self.busy = False
        self.models = models
        self.message = msg.AI_MODELS_FOUND.format(count=len(models))
        return True
