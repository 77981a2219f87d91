"""The AI allow-list at the choke point: saving a URL and building a client, before any fetch."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy.orm import Session, sessionmaker

from aristobot.db.models import UserRow
from aristobot.errors import ValidationError
from aristobot.security import Vault
from aristobot.strategies.ai import make_client, set_ai_config
from tests.support.factories import make_user


def test_disallowed_ollama_url_refused_at_save_and_before_any_call(
    sessions: sessionmaker[Session],
) -> None:
    user = make_user(sessions)
    vault = Vault("k" * 32)
    listener = socket.socket()
    listener.bind(("127.0.0.2", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        with sessions.begin() as s:
            with pytest.raises(ValidationError, match="non autorisée"):
                set_ai_config(s, vault, user.id, ollama_url=f"http://127.0.0.2:{port}")
            set_ai_config(s, vault, user.id, ollama_url="http://ia.lan:11434",
                          allowed_hosts=("ia.lan",))  # an operator-allowed LAN host
            # A URL stored earlier (or allowed then removed from the settings) is refused too.
            row = s.get(UserRow, user.id)
            assert row is not None
            row.ai_url, row.ai_provider = f"http://127.0.0.2:{port}", "ollama"
            s.flush()
            with pytest.raises(ValidationError, match="non autorisée"):
                make_client(s, vault, user.id)
            client = make_client(s, vault, user.id, allowed_hosts=("127.0.0.2",))
            assert client.base_url.endswith(f":{port}")
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing connected
    finally:
        listener.close()
