"""Pure market clock of the heartbeat: which timeframe boundaries just passed (no I/O).

The heartbeat signal is the market's clock, not a per-symbol event: a boundary is signalled
once, when every monitored symbol has closed the minute that ends on it (the *watermark* is
the smallest open-minute time over the symbols). Exchange time in, signals out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aristobot.domain.timeframe import HEARTBEAT_TIMEFRAMES, Timeframe


@dataclass(frozen=True, slots=True)
class BoundarySignal:
    """One timeframe boundary passed: the candle ``[open_time_ms, close_time_ms)`` closed."""

    timeframe: Timeframe
    open_time_ms: int
    close_time_ms: int


class HeartbeatClock:
    """Turn a rising watermark into boundary signals, one per timeframe per boundary.

    Args:
        timeframes: the signalled timeframes.
        max_catch_up: when the watermark jumps over many boundaries of one timeframe (after
            a long outage), only the most recent ``max_catch_up`` are signalled; the others
            are counted in ``skipped`` (a trading engine must not act on hours-old clocks).
    """

    def __init__(
        self, timeframes: Sequence[Timeframe] = HEARTBEAT_TIMEFRAMES, max_catch_up: int = 60
    ) -> None:
        self.timeframes = tuple(sorted(set(timeframes), key=lambda t: t.ms))
        self.max_catch_up = max(1, max_catch_up)
        self._last: dict[Timeframe, int] = {}
        self.watermark_ms: int | None = None
        self.skipped = 0

    def start(self, watermark_ms: int) -> None:
        """Set the first watermark: boundaries at or before it passed before we started."""
        self.watermark_ms = watermark_ms
        self._last = {tf: tf.floor_ms(watermark_ms) for tf in self.timeframes}

    def advance(self, watermark_ms: int) -> list[BoundarySignal]:
        """Return the boundaries passed up to ``watermark_ms``, oldest first, smallest tf first."""
        if self.watermark_ms is None:
            self.start(watermark_ms)
            return []
        if watermark_ms <= self.watermark_ms:
            return []
        self.watermark_ms = watermark_ms
        out: list[BoundarySignal] = []
        for tf in self.timeframes:
            last = self._last[tf]
            newest = tf.floor_ms(watermark_ms)
            if newest <= last:
                continue
            count = (newest - last) // tf.ms
            if count > self.max_catch_up:
                self.skipped += count - self.max_catch_up
                last = newest - self.max_catch_up * tf.ms
            b = last + tf.ms
            while b <= newest:
                out.append(BoundarySignal(tf, b - tf.ms, b))
                b += tf.ms
            self._last[tf] = newest
        out.sort(key=lambda s: (s.close_time_ms, s.timeframe.ms))
        return out
