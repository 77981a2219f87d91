"""Server-side login sessions (``web_sessions``): the browser holds a token, we keep its hash.

A session is valid while it is not revoked, younger than ``ABSOLUTE_LIFETIME`` and used within
the idle timeout (``ARISTOBOT_SESSION_IDLE_HOURS``). Logout revokes it; a password change revokes
every other session of the user; ``aristobot sessions revoke --user X`` revokes all of them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aristobot.db.models import UserRow, WebSessionRow

ABSOLUTE_LIFETIME = timedelta(days=7)
#: ``last_seen_at`` is written at most this often (every request would be a write otherwise).
TOUCH_EVERY = timedelta(minutes=1)
_TOKEN_BYTES = 32
_MAX_TOKEN_LEN = 128


@dataclass(frozen=True, slots=True)
class WebSession:
    id: int
    user_id: int
    username: str


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a session token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def open_session(s: Session, user_id: int, *, now: datetime | None = None) -> tuple[str, int]:
    """Create a session for ``user_id``; return ``(token for the cookie, session id)``."""
    now = now or _now()
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    row = WebSessionRow(
        user_id=user_id,
        token_hash=hash_token(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE_LIFETIME,
    )
    s.add(row)
    s.flush()
    return token, row.id


def _valid(row: WebSessionRow, idle: timedelta, now: datetime) -> bool:
    return row.revoked_at is None and now < row.expires_at and now - row.last_seen_at < idle


def _load(s: Session, row: WebSessionRow | None, idle: timedelta, now: datetime,
          touch: bool) -> WebSession | None:
    if row is None or not _valid(row, idle, now):
        return None
    user = s.get(UserRow, row.user_id)
    if user is None:
        return None
    if touch and now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        s.flush()
    return WebSession(row.id, user.id, user.username)


def resolve_token(
    s: Session, token: str, *, idle: timedelta, now: datetime | None = None
) -> WebSession | None:
    """Return the live session of a cookie token (and mark it used), or None."""
    if not token or len(token) > _MAX_TOKEN_LEN:
        return None
    row = s.scalar(select(WebSessionRow).where(WebSessionRow.token_hash == hash_token(token)))
    return _load(s, row, idle, now or _now(), touch=True)


def session_by_id(
    s: Session,
    session_id: int,
    *,
    idle: timedelta,
    now: datetime | None = None,
    touch: bool = False,
) -> WebSession | None:
    """Return the live session with this id, or None (used by open dashboard pages).

    ``touch``: an open dashboard page counts as use (its websocket makes no HTTP request).
    """
    return _load(s, s.get(WebSessionRow, session_id), idle, now or _now(), touch=touch)


def revoke_token(s: Session, token: str, *, now: datetime | None = None) -> None:
    """Revoke the session of this cookie token (logout); unknown tokens are ignored."""
    s.execute(
        update(WebSessionRow)
        .where(WebSessionRow.token_hash == hash_token(token), WebSessionRow.revoked_at.is_(None))
        .values(revoked_at=now or _now())
    )


def revoke_user_sessions(
    s: Session, user_id: int, *, except_id: int | None = None, now: datetime | None = None
) -> int:
    """Revoke every live session of ``user_id`` but ``except_id``; return how many."""
    stmt = update(WebSessionRow).where(
        WebSessionRow.user_id == user_id, WebSessionRow.revoked_at.is_(None)
    )
    if except_id is not None:
        stmt = stmt.where(WebSessionRow.id != except_id)
    result = s.execute(stmt.values(revoked_at=now or _now()))
    return int(getattr(result, "rowcount", 0) or 0)


def purge_old_sessions(s: Session, *, now: datetime | None = None) -> None:
    """Delete sessions past their absolute expiry (revoked or not)."""
    from sqlalchemy import delete

    s.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < (now or _now())))
