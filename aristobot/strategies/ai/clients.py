"""HTTP clients for the two AI providers; every failure becomes a French ``AIError``.

OpenRouter speaks the OpenAI API (``GET /models``, ``POST /chat/completions`` with a bearer
key); Ollama its own (``GET /api/tags``, ``POST /api/chat`` with ``stream: false``). Users see
fixed French texts (HTTP status, time-out, connection refused); response bodies and library
errors only reach the log. Redirects are not followed.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import aiohttp

from aristobot.errors import AIError
from aristobot.strategies import messages as text

log = logging.getLogger(__name__)

OPENROUTER_URL = "https://openrouter.ai/api/v1"
OLLAMA_URL = "http://localhost:11434"


class AIClient(Protocol):
    name: str

    async def list_models(self) -> list[str]: ...

    async def complete(self, messages: list[dict[str, str]]) -> str: ...


class _HttpClient:
    name = "?"

    def __init__(self, base_url: str, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def _headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json"}

    async def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.base_url}{path}"
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as http, http.request(
                method, url, json=body, headers=self._headers(), allow_redirects=False
            ) as resp:
                if resp.status >= 300:
                    # The body is the provider's text: logged (truncated), never shown.
                    log.warning("%s %s %s -> HTTP %s: %.300r", self.name, method, path,
                                resp.status, await resp.text(errors="replace"))
                    raise AIError(reason=status_message(self.name, resp.status))
                try:
                    return await resp.json(content_type=None)
                except ValueError:
                    raise AIError(reason=text.unreadable_answer(self.name)) from None
        except TimeoutError:
            raise AIError(
                reason=text.no_answer_within(self.name, self.timeout_s)
            ) from None
        except aiohttp.ClientError as e:
            log.warning("%s %s %s failed: %r", self.name, method, path, e)
            raise AIError(reason=text.cannot_connect(self.name)) from None


def status_message(provider: str, status: int) -> str:
    """Return the French text for an HTTP error status of ``provider`` (no response body)."""
    if status in (401, 403):
        detail = text.ACCESS_DENIED
    elif status == 404:
        detail = text.NOT_FOUND
    elif status == 429:
        detail = text.TOO_MANY_REQUESTS
    elif status >= 500:
        detail = text.SERVICE_ERROR
    elif status < 400:
        detail = text.REDIRECT_REFUSED
    else:
        detail = text.REQUEST_REFUSED
    return text.provider_answered(provider, status, detail)


class OpenRouterClient(_HttpClient):
    name = "OpenRouter"

    def __init__(self, api_key: str, model: str | None = None, *,
                 base_url: str = OPENROUTER_URL, timeout_s: float = 60.0) -> None:
        super().__init__(base_url, timeout_s)
        self._key = api_key
        self.model = model

    def _headers(self) -> dict[str, str]:
        return {**super()._headers(), "Authorization": f"Bearer {self._key}",
                "X-Title": "Aristobot"}

    async def list_models(self) -> list[str]:
        data = await self._request("GET", "/models")
        return sorted(str(m["id"]) for m in data.get("data", []) if "id" in m)

    async def complete(self, messages: list[dict[str, str]]) -> str:
        if not self.model:
            raise AIError(reason=text.NO_OPENROUTER_MODEL)
        data = await self._request("POST", "/chat/completions",
                                   {"model": self.model, "messages": messages})
        try:
            return str(data["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError):
            raise AIError(reason=text.EMPTY_OPENROUTER_ANSWER) from None


class OllamaClient(_HttpClient):
    name = "Ollama"

    def __init__(self, base_url: str = OLLAMA_URL, model: str | None = None, *,
                 timeout_s: float = 120.0) -> None:
        super().__init__(base_url, timeout_s)
        self.model = model

    async def list_models(self) -> list[str]:
        data = await self._request("GET", "/api/tags")
        return sorted(str(m["name"]) for m in data.get("models", []) if "name" in m)

    async def complete(self, messages: list[dict[str, str]]) -> str:
        if not self.model:
            raise AIError(reason=text.NO_OLLAMA_MODEL)
        data = await self._request("POST", "/api/chat",
                                   {"model": self.model, "messages": messages, "stream": False})
        try:
            return str(data["message"]["content"])
        except (KeyError, TypeError):
            raise AIError(reason=text.EMPTY_OLLAMA_ANSWER) from None
