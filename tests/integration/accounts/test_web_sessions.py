"""Server-side login sessions on SQLite and PostgreSQL: hashing, expiry, revocation, init."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from aristobot.accounts.users import authenticate, change_password, create_user, set_password
from aristobot.accounts.web_sessions import (
    hash_token,
    open_session,
    purge_old_sessions,
    resolve_token,
    revoke_token,
    revoke_user_sessions,
    session_by_id,
)
from aristobot.cli import init, revoke_sessions
from aristobot.db.models import WebSessionRow
from aristobot.errors import ValidationError
from tests.support.factories import make_settings, make_user

IDLE = timedelta(hours=12)
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_token_is_random_and_only_its_hash_is_stored(sessions) -> None:  # type: ignore[no-untyped-def]
    user = make_user(sessions, "alice", "motdepasse-alice")
    with sessions.begin() as s:
        t1, id1 = open_session(s, user.id, now=T0)
        t2, _ = open_session(s, user.id, now=T0)
    assert t1 != t2 and len(t1) >= 40
    with sessions() as s:
        stored = s.scalars(select(WebSessionRow.token_hash)).all()
        assert t1 not in stored and hash_token(t1) in stored
    with sessions.begin() as s:
        got = resolve_token(s, t1, idle=IDLE, now=T0 + timedelta(minutes=5))
        assert got is not None and (got.id, got.username) == (id1, "alice")
        assert resolve_token(s, "not-a-token", idle=IDLE, now=T0) is None
        assert resolve_token(s, hash_token(t1), idle=IDLE, now=T0) is None  # the hash is no key


def test_idle_timeout_and_absolute_lifetime(sessions) -> None:  # type: ignore[no-untyped-def]
    user = make_user(sessions, "alice", "motdepasse-alice")
    with sessions.begin() as s:
        token, sid = open_session(s, user.id, now=T0)
    with sessions.begin() as s:  # used every 11 h: stays alive...
        for hours in range(11, 7 * 24, 11):
            assert resolve_token(s, token, idle=IDLE, now=T0 + timedelta(hours=hours)), hours
        # ...but never past 7 days
        assert resolve_token(s, token, idle=IDLE, now=T0 + timedelta(days=7, minutes=1)) is None
    with sessions.begin() as s:
        token2, _ = open_session(s, user.id, now=T0)
    with sessions.begin() as s:
        assert resolve_token(s, token2, idle=IDLE, now=T0 + timedelta(hours=12, minutes=1)) is None
    with sessions.begin() as s:  # an open dashboard page keeps its session in use
        token3, sid3 = open_session(s, user.id, now=T0)
        assert session_by_id(s, sid3, idle=IDLE, now=T0 + timedelta(hours=11), touch=True)
        assert resolve_token(s, token3, idle=IDLE, now=T0 + timedelta(hours=22))
        assert session_by_id(s, sid3, idle=IDLE, now=T0 + timedelta(hours=35)) is None
    with sessions.begin() as s:
        purge_old_sessions(s, now=T0 + timedelta(days=8))
    with sessions() as s:
        assert s.scalars(select(WebSessionRow)).all() == []
    assert sid


def test_logout_password_change_and_admin_revoke(sessions, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    alice = make_user(sessions, "alice", "motdepasse-alice")
    bob = make_user(sessions, "bob", "motdepasse-bob1")
    with sessions.begin() as s:
        here, here_id = open_session(s, alice.id)
        laptop, _ = open_session(s, alice.id)
        phone, _ = open_session(s, alice.id)
        bobs, _ = open_session(s, bob.id)
        revoke_token(s, phone)  # logout of one device
    with sessions.begin() as s:
        assert resolve_token(s, phone, idle=IDLE) is None
        assert resolve_token(s, laptop, idle=IDLE) is not None
        change_password(s, alice.id, "motdepasse-alice", "Vert-Cheval-Agrafe-42",
                        keep_session_id=here_id)
    with sessions.begin() as s:
        assert resolve_token(s, laptop, idle=IDLE) is None  # other sessions: revoked
        assert resolve_token(s, here, idle=IDLE) is not None  # the page that asked: kept
        assert session_by_id(s, here_id, idle=IDLE) is not None
        assert resolve_token(s, bobs, idle=IDLE) is not None  # other users: untouched
    settings = make_settings(tmp_path, db_url)
    assert revoke_sessions(settings, "alice") == 1
    with sessions.begin() as s:
        assert resolve_token(s, here, idle=IDLE) is None
        assert session_by_id(s, here_id, idle=IDLE) is None
        assert revoke_user_sessions(s, bob.id) == 1


def test_admin_password_reset_revokes_everything(sessions) -> None:  # type: ignore[no-untyped-def]
    alice = make_user(sessions, "alice", "motdepasse-alice")
    with sessions.begin() as s:
        token, _ = open_session(s, alice.id)
        set_password(s, "alice", "Vert-Cheval-Agrafe-42")
    with sessions.begin() as s:
        assert resolve_token(s, token, idle=IDLE) is None
        authenticate(s, "alice", "Vert-Cheval-Agrafe-42")


@pytest.mark.parametrize("name", ["guest", "Guest", "admin", "root", "system", "anonymous"])
def test_reserved_usernames_refused_in_french(sessions, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as e, sessions.begin() as s:
        create_user(s, name, "Vert-Cheval-Agrafe-42")
    assert "réservé" in e.value.user_message()


def test_init_generates_distinct_random_passwords(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, db_url)
    created = init(settings)
    assert set(created) == {"dev", "dac"}
    dev_pw, dac_pw = created["dev"], created["dac"]
    assert dev_pw and dac_pw and dev_pw != dac_pw and "aristobot-dev" not in (dev_pw, dac_pw)
    from aristobot.db.engine import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as s:
            authenticate(s, "dev", dev_pw)
    finally:
        engine.dispose()
