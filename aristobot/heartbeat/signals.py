"""The ``Heartbeat`` signal contract: a signal is published only once its candles are stored.

A boundary whose candles are all committed is signalled at once. One whose candles are still
missing (a disconnect, lost trades, a window being rebuilt) is *held* until the backfill has
stored them, then published marked ``late`` with its ``delay_ms``; one whose candle will never
exist (given up) is never published. A held signal does not hold back later ones whose
candles are stored (an engine must not wait 20 s for an old start-up window): consumers see
``late`` and may skip a signal older than one they already handled.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from aristobot.core.heartbeat_clock import BoundarySignal
from aristobot.heartbeat.repair import CandleKey, key_of


@dataclass(frozen=True, slots=True)
class Ready:
    """A signal to publish now; ``delay_ms`` is None when on time, else how late it is."""

    signal: BoundarySignal
    delay_ms: int | None


@dataclass(frozen=True, slots=True)
class _Held:
    signal: BoundarySignal
    keys: frozenset[CandleKey]
    since_ms: int  # local clock when the boundary passed


class SignalGate:
    """Hold signals whose candles are not stored yet; release them once they are."""

    def __init__(self, symbols: Iterable[str]) -> None:
        self.symbols = tuple(symbols)  # ccxt symbols
        self._held: dict[str, deque[_Held]] = {}
        self.late = 0
        self.dropped = 0

    def held(self) -> int:
        return sum(len(q) for q in self._held.values())

    def offer(self, signals: list[BoundarySignal], unfilled: set[CandleKey],
              now_ms: int) -> list[Ready]:
        """Return the signals publishable now; hold the others."""
        out = []
        for sg in signals:
            keys = frozenset(key_of(s, sg.timeframe, sg.open_time_ms) for s in self.symbols)
            if keys & unfilled:
                self._held.setdefault(sg.timeframe.value, deque()).append(_Held(sg, keys, now_ms))
            else:
                out.append(Ready(sg, None))
        return out

    def release(self, unfilled: set[CandleKey], abandoned: set[CandleKey],
                now_ms: int) -> list[Ready]:
        """Return held signals whose candles are now stored (late); drop impossible ones."""
        out = []
        for tf, queue in self._held.items():
            waiting: deque[_Held] = deque()
            for h in queue:
                if h.keys & abandoned:
                    self.dropped += 1
                elif h.keys & unfilled:
                    waiting.append(h)
                else:
                    self.late += 1
                    out.append(Ready(h.signal, max(0, now_ms - h.since_ms)))
            self._held[tf] = waiting
        out.sort(key=lambda r: (r.signal.close_time_ms, r.signal.timeframe.ms))
        return out
