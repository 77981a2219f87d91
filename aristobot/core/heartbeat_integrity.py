"""Pure integrity decisions of the heartbeat: stalled link vs quiet market, candle comparison.

A minute closed by the quiet-market timer is only *provisional*: the timer cannot tell a market
without trades from a link that stopped delivering them. The link proves it was alive when a
frame (of any monitored symbol: they share one connection) arrives promptly after the boundary;
it proves it was stalled when frames arrive long after their event time, or when nothing
arrives at all for a while. Candles that may be wrong are re-checked against the exchange.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from aristobot.domain.timeframe import Timeframe

MINUTE_MS = 60_000
#: frames whose event time is this far behind their arrival (exchange clock) waited in a stall
STALL_LAG_MS = 2_000
#: no frame at all for this long (exchange clock): the link is silent, not the market
SILENCE_MS = 5_000


@dataclass(frozen=True, slots=True)
class Stall:
    """Frames stamped from ``start_ms`` arrived only at ``end_ms`` (exchange clock)."""

    start_ms: int
    end_ms: int

    @property
    def seconds(self) -> float:
        return (self.end_ms - self.start_ms) / 1000


@dataclass(frozen=True, slots=True)
class Change:
    """One field of a candle that differs from the exchange's kline."""

    field: str
    ours: float
    theirs: float


class LinkMonitor:
    """Follow frame arrivals; say when minutes closed by the timer must be re-checked."""

    def __init__(self, stall_lag_ms: int = STALL_LAG_MS, silence_ms: int = SILENCE_MS) -> None:
        self.stall_lag_ms = stall_lag_ms
        self.silence_ms = silence_ms
        self.last_arrival_ms: int | None = None  # exchange clock estimate at the last frame
        self._provisional: dict[tuple[str, int], None] = {}  # (symbol, minute) closed by timer
        self._stalled = False  # inside a stall's backlog (reported once)
        self.stalls = 0

    def closed_by_timer(self, symbol: str, open_time_ms: int) -> None:
        """Record a minute closed without a later trade (quiet market or stalled link)."""
        self._provisional[(symbol, open_time_ms)] = None

    def on_batch(self, arrival_ms: int, first_event_ms: int) -> Stall | None:
        """Record a batch arriving at ``arrival_ms`` whose oldest frame is ``first_event_ms``.

        A prompt batch confirms every provisional minute that ended before its oldest frame;
        a late one reports the stall (whose minutes the caller re-checks).
        """
        self.last_arrival_ms = arrival_ms
        if arrival_ms - first_event_ms > self.stall_lag_ms:
            if self._stalled:  # the rest of the same backlog
                return None
            self._stalled = True
            self.stalls += 1
            return Stall(first_event_ms, arrival_ms)
        self._stalled = False
        for key in [k for k in self._provisional if k[1] + MINUTE_MS <= first_event_ms]:
            del self._provisional[key]
        return None

    def take_silent(self, now_ms: int) -> list[tuple[str, int]]:
        """Return (and forget) the provisional minutes if the link has been silent too long."""
        if not self._provisional:
            return []
        if self.last_arrival_ms is not None and now_ms - self.last_arrival_ms < self.silence_ms:
            return []
        out = list(self._provisional)
        self._provisional.clear()
        return out

    def take_stalled(self, stall: Stall) -> list[tuple[str, int]]:
        """Return (and forget) the provisional minutes overlapping ``stall``."""
        out = [k for k in self._provisional if k[1] + MINUTE_MS > stall.start_ms]
        for k in out:
            del self._provisional[k]
        return out


def minutes_in(start_ms: int, end_ms: int) -> list[int]:
    """Return the open times of the minutes overlapping ``[start_ms, end_ms)``."""
    first = start_ms - start_ms % MINUTE_MS
    return list(range(first, max(first + MINUTE_MS, end_ms), MINUTE_MS))


def windows_containing(
    open_time_ms: int, timeframes: Iterable[Timeframe]
) -> list[tuple[Timeframe, int]]:
    """Return, for each timeframe above 1m, the window holding the minute ``open_time_ms``."""
    return [(tf, tf.floor_ms(open_time_ms)) for tf in timeframes if tf is not Timeframe.M1]


def _same(a: float, b: float, rel: float, abs_: float) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def candle_changes(
    ours: tuple[float, float, float, float, float],
    theirs: tuple[float, float, float, float, float],
) -> list[Change]:
    """Compare (open, high, low, close, volume) with the exchange's; return what differs."""
    names = ("ouverture", "plus haut", "plus bas", "clôture", "volume")
    out = []
    for i, name in enumerate(names):
        abs_tol = 1e-8 if i == 4 else 0.0
        if not _same(ours[i], theirs[i], 1e-9, abs_tol):
            out.append(Change(name, ours[i], theirs[i]))
    return out


def describe_changes(changes: list[Change]) -> str:
    """Return the French « clôture 61724 → 61727.66, volume … » list of a correction."""
    return ", ".join(f"{c.field} {c.ours:.8g} → {c.theirs:.8g}" for c in changes)


def coherence(
    connected_once: bool, verified_once: bool, unresolved: int
) -> bool | None:
    """Return the heartbeat's coherence: None (unknown) until connected and a candle verified.

    ``unresolved`` counts what keeps it « Non cohérent »: missing candles since the start,
    candles suspected or found wrong and not yet replaced, verifications overdue.
    """
    if not connected_once:
        return None
    if unresolved:
        return False
    return True if verified_once else None
