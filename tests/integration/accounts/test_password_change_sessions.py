"""Changing a password closes the user's other sessions, and only theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from aristobot.accounts.users import change_password, create_user
from aristobot.accounts.web_sessions import open_session, resolve_token
from aristobot.errors import ValidationError

DAY = timedelta(days=1)


def test_a_password_change_revokes_the_users_other_sessions(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        alice = create_user(s, "alice", "motdepasse-alice-1").id
        bob = create_user(s, "bob", "motdepasse-bob-1").id
        kept, kept_id = open_session(s, alice)
        other, _ = open_session(s, alice)
        bobs, _ = open_session(s, bob)
        with pytest.raises(ValidationError) as e:
            change_password(s, alice, "faux-mot-de-passe", "nouveau-secret-42")
        assert e.value.user_message() == "Le mot de passe actuel est incorrect."
        change_password(s, alice, "motdepasse-alice-1", "nouveau-secret-42",
                        keep_session_id=kept_id)
        assert resolve_token(s, kept, idle=DAY) is not None
        assert resolve_token(s, other, idle=DAY) is None
        assert resolve_token(s, bobs, idle=DAY) is not None
