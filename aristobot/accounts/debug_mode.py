"""The developer-mode singleton (``debug_mode`` row id 1): auto-login as the ordinary user dev."""

from __future__ import annotations

from sqlalchemy.orm import Session

from aristobot.db.models import DebugModeRow

DEV_USERNAME = "dev"


def is_debug_active(s: Session) -> bool:
    row = s.get(DebugModeRow, 1)
    return bool(row and row.is_active)


def set_debug_active(s: Session, active: bool) -> None:
    row = s.get(DebugModeRow, 1)
    if row is None:
        s.add(DebugModeRow(id=1, is_active=active))
    else:
        row.is_active = active
    s.flush()


def enforce_debug_setting(s: Session, debug_allowed: bool) -> None:
    """At start: with ``DEBUG_ARISTOBOT=False`` the mode is forced OFF, for safety."""
    if not debug_allowed:
        set_debug_active(s, False)
    elif s.get(DebugModeRow, 1) is None:
        set_debug_active(s, False)
