"""Dates as the user wants them: every date shown goes through here with the display zone.

Pure (no I/O): view-models and service reports (backtest diagnostics) both format with it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def to_display(dt: datetime, tz: str) -> datetime:
    """Convert an aware UTC datetime to the display zone (naive input is taken as UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(zone(tz))


def format_dt(dt: datetime | None, tz: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """Format ``dt`` in the display zone, with the zone's abbreviation."""
    if dt is None:
        return "—"
    local = to_display(dt, tz)
    return f"{local.strftime(fmt)} {local.tzname() or ''}".rstrip()
