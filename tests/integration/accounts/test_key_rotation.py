"""Changing ARISTOBOT_SECRET_KEY: what the former key encrypted stays readable when that key
is listed in ARISTOBOT_OLD_SECRET_KEYS, and only then (a clear French error otherwise)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aristobot.brokers import BrokerDraft, broker_config, create_broker, get_broker
from aristobot.config import Settings
from aristobot.errors import CryptoError
from aristobot.runtime import Runtime, build_runtime
from aristobot.strategies.ai.config import make_client, set_ai_config
from aristobot.webhooks.sources import create_source, get_source
from tests.support.factories import make_user

CREDENTIALS = {"apiKey": "cle-api-0000001234", "secret": "secret-binance"}


def _runtime(tmp_path: Path, db_url: str, secret: str, old: str = "") -> Runtime:
    env = {"ARISTOBOT_DATABASE_URL": db_url, "ARISTOBOT_SECRET_KEY": secret,
           "ARISTOBOT_OLD_SECRET_KEYS": old}
    return build_runtime(Settings.from_env(env, root=tmp_path), run_migrations=False)


def test_former_key_still_decrypts_after_rotation(tmp_path: Path, db_url: str) -> None:
    before = _runtime(tmp_path, db_url, "premiere-cle-secrete-0001")
    alice = make_user(before.sessions)
    with before.sessions.begin() as s:
        bid = create_broker(s, before.vault, alice.id,
                            BrokerDraft("Binance", "binance", dict(CREDENTIALS))).id
        source = create_source(s, before.vault, alice.id, "TV")
        set_ai_config(s, before.vault, alice.id, api_key="sk-or-alice")
    before.engine.dispose()

    after = _runtime(tmp_path, db_url, "deuxieme-cle-secrete-0002",
                     old="cle-intermediaire-0003, premiere-cle-secrete-0001")
    with after.sessions() as s:
        assert broker_config(s, after.vault, alice.id, bid).credentials == CREDENTIALS
        assert get_broker(s, alice.id, bid, after.vault).masked["apiKey"] == "••••••1234"
        again = get_source(s, after.vault, alice.id, source.id)
        assert (again.token, again.secret) == (source.token, source.secret)
        client = make_client(s, after.vault, alice.id, provider="openrouter")
        assert "sk-or-alice" in vars(client).values()
    after.engine.dispose()

    forgotten = _runtime(tmp_path, db_url, "deuxieme-cle-secrete-0002")
    with forgotten.sessions() as s, pytest.raises(CryptoError) as e:
        broker_config(s, forgotten.vault, alice.id, bid)
    assert "SECRET_KEY" in e.value.user_message()
    forgotten.engine.dispose()
