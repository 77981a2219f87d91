"""Dates shown to the user: converted to the display zone, named by its abbreviation."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from aristobot.core.timefmt import format_dt, to_display, zone


def test_zone_falls_back_to_utc_for_unknown_or_malformed_names() -> None:
    assert zone("Europe/Paris") == ZoneInfo("Europe/Paris")
    assert zone("Mars/Olympus") == ZoneInfo("UTC")
    assert zone("../etc/passwd") == ZoneInfo("UTC")  # ValueError inside ZoneInfo


def test_to_display_takes_naive_datetimes_as_utc() -> None:
    naive = datetime(2026, 7, 1, 12, 0)
    assert to_display(naive, "Europe/Paris") == datetime(2026, 7, 1, 14, 0,
                                                         tzinfo=ZoneInfo("Europe/Paris"))
    aware = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=-3)))
    shown = to_display(aware, "UTC")
    assert (shown.hour, shown.utcoffset()) == (15, timedelta(0))


def test_format_dt_shows_the_local_time_and_the_zone_abbreviation() -> None:
    winter = datetime(2026, 1, 15, 8, 30, 5, tzinfo=UTC)
    assert format_dt(winter, "Europe/Paris") == "2026-01-15 09:30:05 CET"
    assert format_dt(winter.replace(month=7), "Europe/Paris") == "2026-07-15 10:30:05 CEST"
    assert format_dt(winter, "UTC", "%H:%M") == "08:30 UTC"
    assert format_dt(None, "Europe/Paris") == "—"


def test_format_dt_names_zones_without_a_letter_abbreviation_by_their_offset() -> None:
    shown = format_dt(datetime(2026, 1, 15, 8, 30, tzinfo=UTC), "Etc/GMT-2")
    assert shown == "2026-01-15 10:30:00 +02"


def test_naive_datetimes_are_utc_whatever_the_machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert format_dt(datetime(2026, 1, 15, 8, 30), "UTC") == "2026-01-15 08:30:00 UTC"
    finally:
        monkeypatch.undo()
        time.tzset()
