"""What the domain types tell users (French) when a value does not parse.

The package's text catalog (convention: :mod:`aristobot.messages`).
"""

from __future__ import annotations


def unknown_timeframe(value: object, expected: str) -> str:
    return f"Unité de temps inconnue « {value} » (attendu : {expected})"
