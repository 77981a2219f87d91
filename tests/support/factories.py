"""Deterministic factories for tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from aristobot.accounts.users import User, create_user
from aristobot.config import Settings


def make_settings(
    var_dir: Path, database_url: str, redis_url: str | None = None, **overrides: object
) -> Settings:
    """Settings for a test: everything local, a fixed secret, a private bus namespace."""
    from aristobot.config import Secret
    from tests.support.databases import RUN_ID

    values: dict[str, object] = {
        "var_dir": var_dir,
        "database_url": database_url,
        "redis_url": redis_url,
        "bus_namespace": f"t{RUN_ID}:",
        "secret_key": Secret("test-secret-key-0123456789"),
        "binance_ws_url": "ws://127.0.0.1:9",  # nothing ever reaches Binance from tests
        "binance_rest_url": "http://127.0.0.1:9",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def make_user(
    sessions: sessionmaker[Session], username: str = "alice", password: str = "motdepasse-alice"
) -> User:
    with sessions.begin() as s:
        return create_user(s, username, password)
