"""User accounts: creation (max users), authentication, preferences. Sessions are passed in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import available_timezones

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aristobot.accounts import messages
from aristobot.accounts.web_sessions import revoke_user_sessions
from aristobot.db.models import UserRow
from aristobot.errors import AuthError, Conflict, NotFound, UserLimitReached, ValidationError
from aristobot.security.passwords import (
    DUMMY_HASH,
    check_password_strength,
    hash_password,
    verify_password,
)

_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
#: Names that frameworks or people read as special (Panel reports « guest » for anonymous users).
RESERVED_USERNAMES = frozenset(
    {"guest", "admin", "administrator", "root", "system", "anonymous", "superuser", "null",
     "none", "default_user", "nobody", "sysadmin"}
)
THEMES = ("dark", "light")
#: "local" means: the browser's own zone (applied in the browser).
SPECIAL_TIMEZONES = ("UTC", "local")


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    theme: str
    display_timezone: str
    default_broker_id: int | None


def _to_user(row: UserRow) -> User:
    return User(row.id, row.username, row.theme, row.display_timezone, row.default_broker_id)


def validate_username(username: str) -> str:
    username = username.strip()
    if not _USERNAME.match(username):
        raise ValidationError(
            reason=messages.INVALID_USERNAME
        )
    if username.lower() in RESERVED_USERNAMES:
        raise ValidationError(
            reason=messages.username_reserved(username)
        )
    return username


def count_users(s: Session) -> int:
    return s.scalar(select(func.count()).select_from(UserRow)) or 0


def create_user(s: Session, username: str, password: str, *, max_users: int = 5) -> User:
    """Create a user; refuse a weak password, a taken name or a 6th user (French errors)."""
    username = validate_username(username)
    check_password_strength(password)
    if count_users(s) >= max_users:
        raise UserLimitReached(limit=max_users)
    if s.scalar(select(UserRow.id).where(func.lower(UserRow.username) == username.lower())):
        raise Conflict(reason=messages.username_taken(username))
    row = UserRow(username=username, password_hash=hash_password(password))
    s.add(row)
    s.flush()
    return _to_user(row)


def authenticate(s: Session, username: str, password: str) -> User:
    """Return the user when the password matches; the same error otherwise (no enumeration)."""
    row = s.scalar(select(UserRow).where(UserRow.username == username.strip()))
    if row is None:
        verify_password(password, DUMMY_HASH)  # same cost as a real check
        raise AuthError()
    if not verify_password(password, row.password_hash):
        raise AuthError()
    return _to_user(row)


def get_user(s: Session, user_id: int) -> User:
    row = s.get(UserRow, user_id)
    if row is None:
        raise NotFound(what="Utilisateur")
    return _to_user(row)


def get_user_by_name(s: Session, username: str) -> User | None:
    row = s.scalar(select(UserRow).where(UserRow.username == username))
    return _to_user(row) if row else None


def change_password(
    s: Session, user_id: int, current: str, new: str, *, keep_session_id: int | None = None
) -> None:
    """Change the password after checking the current one.

    Every login session of the user is revoked except ``keep_session_id`` (the page that asked).
    """
    row = s.get(UserRow, user_id)
    if row is None:
        raise NotFound(what="Utilisateur")
    if not verify_password(current, row.password_hash):
        raise ValidationError(reason=messages.WRONG_CURRENT_PASSWORD)
    check_password_strength(new)
    row.password_hash = hash_password(new)
    revoke_user_sessions(s, user_id, except_id=keep_session_id)


def set_password(s: Session, username: str, new: str) -> None:
    """Admin reset: set ``username``'s password (strength checked) and revoke all its sessions."""
    row = s.scalar(select(UserRow).where(UserRow.username == username))
    if row is None:
        raise NotFound(what=messages.user(username))
    check_password_strength(new)
    row.password_hash = hash_password(new)
    revoke_user_sessions(s, row.id)


def set_preferences(
    s: Session, user_id: int, *, theme: str | None = None, display_timezone: str | None = None
) -> User:
    """Store the display theme and timezone of a user."""
    row = s.get(UserRow, user_id)
    if row is None:
        raise NotFound(what="Utilisateur")
    if theme is not None:
        if theme not in THEMES:
            raise ValidationError(reason=messages.unknown_theme(theme))
        row.theme = theme
    if display_timezone is not None:
        if (
            display_timezone not in SPECIAL_TIMEZONES
            and display_timezone not in available_timezones()
        ):
            raise ValidationError(reason=messages.unknown_timezone(display_timezone))
        row.display_timezone = display_timezone
    s.flush()
    return _to_user(row)
