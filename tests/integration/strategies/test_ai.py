"""The assistant against local fake OpenRouter and Ollama servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from aristobot.errors import AIError, ValidationError
from aristobot.security import Vault
from aristobot.strategies.ai import (
    OllamaClient,
    OpenRouterClient,
    generate_strategy,
    get_ai_config,
    make_client,
    set_ai_config,
)
from aristobot.strategies.template import TEMPLATE
from tests.support.factories import make_user
from tests.support.fake_ai import FakeAI, serve_fake_ai


@pytest.fixture
def fake() -> Iterator[FakeAI]:
    with serve_fake_ai() as f:
        yield f


async def test_openrouter_models_and_generation(fake: FakeAI) -> None:
    client = OpenRouterClient(fake.api_key, "fake/coder-small", base_url=fake.openrouter_url)
    assert await client.list_models() == ["fake/coder-large", "fake/coder-small"]
    suggestion = await generate_strategy(client, "Croisement EMA 10/20")
    assert suggestion.ok and suggestion.code.startswith("import pandas_ta_classic as ta")
    body = fake.requests[-1]["body"]
    assert body["messages"][0]["role"] == "system" and "Strategy" in body["messages"][0]["content"]
    assert "Croisement EMA 10/20" in body["messages"][1]["content"]


async def test_openrouter_bad_key_is_french(fake: FakeAI) -> None:
    client = OpenRouterClient("wrong", "fake/coder-small", base_url=fake.openrouter_url)
    with pytest.raises(AIError) as e:
        await client.list_models()
    assert e.value.user_message() == (
        "Assistant IA : OpenRouter a répondu 401 : accès refusé (clé API invalide ou sans "
        "droits).")
    assert "No auth credentials" not in e.value.user_message()  # the body is never echoed


async def test_ollama_generation_and_repair_round(fake: FakeAI) -> None:
    fake.replies.append("```python\nimport os\n" + TEMPLATE + "```")
    client = OllamaClient(fake.base_url, "fake/coder-large")
    assert await client.list_models() == ["fake/coder-large", "fake/coder-small"]
    suggestion = await generate_strategy(client, "RSI < 30 achète")
    assert suggestion.ok  # the second (default) reply is valid
    repair = fake.requests[-1]["body"]["messages"][-1]["content"]
    assert "Import de « os » refusé" in repair


async def test_invalid_suggestion_not_offered(fake: FakeAI) -> None:
    fake.replies.extend(["no code at all", "still nothing"])
    suggestion = await generate_strategy(OllamaClient(fake.base_url, "fake/coder-large"), "x")
    assert not suggestion.ok


async def test_timeout_and_unreachable_are_french(fake: FakeAI) -> None:
    fake.delay_s = 1.0
    with pytest.raises(AIError, match="n'a pas répondu en 0.2 s"):
        await OllamaClient(fake.base_url, "m", timeout_s=0.2).list_models()
    with pytest.raises(AIError, match="connexion impossible à Ollama"):
        await OllamaClient("http://127.0.0.1:9", "m", timeout_s=2).list_models()


async def test_unknown_model(fake: FakeAI) -> None:
    with pytest.raises(AIError, match="404 : adresse ou modèle introuvable"):
        await OllamaClient(fake.base_url, "nope").complete([{"role": "user", "content": "x"}])


def test_config_exclusive_and_key_encrypted(sessions: sessionmaker[Session]) -> None:
    user = make_user(sessions)
    vault = Vault("k" * 32)
    with sessions.begin() as s:
        cfg = get_ai_config(s, user.id)
        assert (cfg.provider, cfg.ollama_url, cfg.has_api_key) == (
            None, "http://localhost:11434", False)
        with pytest.raises(ValidationError, match="clé API OpenRouter"):
            set_ai_config(s, vault, user.id, provider="openrouter")
        cfg = set_ai_config(s, vault, user.id, api_key="sk-or-secret", provider="openrouter",
                            model="fake/coder-small")
        assert cfg.provider == "openrouter" and cfg.has_api_key and cfg.model == "fake/coder-small"
        from aristobot.db.models import UserRow

        stored = s.get(UserRow, user.id)
        assert stored is not None and "sk-or-secret" not in (stored.ai_api_key or "")
        cfg = set_ai_config(s, vault, user.id, provider="ollama")  # exclusive: replaces
        assert cfg.provider == "ollama" and cfg.model is None
        with pytest.raises(ValidationError):
            set_ai_config(s, vault, user.id, ollama_url="ftp://x")
        cfg = set_ai_config(s, vault, user.id, provider=None)
        assert not cfg.enabled
        with pytest.raises(AIError, match="désactivé"):
            make_client(s, vault, user.id)
        client = make_client(s, vault, user.id, provider="openrouter")
        assert isinstance(client, OpenRouterClient) and client._key == "sk-or-secret"
