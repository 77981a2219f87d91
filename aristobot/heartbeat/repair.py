"""Candles the heartbeat must take from the exchange: holes, and windows to rebuild.

A *hole* is a candle not fully observed (start-up window, disconnect, lost trades) or a longer
candle holding a corrected minute: it is not stored from our trades but filled from REST 1m
klines, then stored (replacing any earlier row). A hole that *counts* (anything after the
start) keeps the heartbeat « Non cohérent » until it is filled or given up (with an alert).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aristobot.core.aggregator import ClosedCandle
from aristobot.core.heartbeat_integrity import windows_containing
from aristobot.domain.timeframe import HEARTBEAT_TIMEFRAMES, Timeframe, ms_to_utc
from aristobot.errors import TemporaryError
from aristobot.heartbeat import messages, store
from aristobot.heartbeat.backfill import FetchKlines, Hole, fill

log = logging.getLogger(__name__)

CandleKey = tuple[str, str, int]  # (ccxt symbol, timeframe, open time ms)
Submit = Callable[..., None]


def key_of(symbol: str, tf: Timeframe, open_time_ms: int) -> CandleKey:
    return (symbol, tf.value, open_time_ms)


class Repairs:
    """Holes waiting for REST, windows to rebuild when they close, candles given up."""

    def __init__(self, submit: Submit, fetch: FetchKlines, max_attempts: int) -> None:
        self._submit = submit  # the persister's ``submit``: ordered background writes
        self._fetch = fetch
        self._max_attempts = max_attempts
        self.holes: list[Hole] = []
        self._attempts: dict[Hole, int] = {}
        self._first: dict[Hole, ClosedCandle] = {}  # a rebuild's first answer, to confirm
        self.counting = 0  # holes that hold coherence
        self.gap_open: set[str] = set()  # symbols whose lost trades' minute is still open
        self.rebuild: set[CandleKey] = set()  # open windows holding a corrected minute
        self.unfilled: set[CandleKey] = set()  # candles not stored yet (signals wait)
        self.abandoned: set[CandleKey] = set()  # candles that will never exist
        self.unrecoverable = 0

    def add(self, exchange_symbol: str, cd: ClosedCandle, counts: bool,
            confirm: bool = False) -> None:
        """Take ``cd``'s window from the exchange instead of storing our partial candle."""
        hole = Hole(exchange_symbol, cd.symbol, cd.timeframe, cd.open_time_ms, counts, confirm)
        self.holes.append(hole)
        self.unfilled.add(key_of(cd.symbol, cd.timeframe, cd.open_time_ms))
        if cd.timeframe is Timeframe.M1:  # the gap's minute closed: its hole is now counted
            self.gap_open.discard(cd.symbol)
        if counts:
            self.counting += 1

    def take_rebuild(self, cd: ClosedCandle) -> bool:
        """Return True (once) if ``cd`` holds a corrected minute and must come from REST."""
        key = key_of(cd.symbol, cd.timeframe, cd.open_time_ms)
        if key in self.rebuild:
            self.rebuild.discard(key)
            return True
        return False

    def on_correction(self, exchange_symbol: str, new: ClosedCandle,
                      watermark_ms: int | None) -> list[str]:
        """Rebuild every longer candle holding the corrected minute; return their timeframes."""
        out = []
        for tf, start in windows_containing(new.open_time_ms, HEARTBEAT_TIMEFRAMES):
            out.append(tf.value)
            if watermark_ms is not None and start + tf.ms <= watermark_ms:  # closed: refill now
                cd = ClosedCandle(new.symbol, tf, start, 0, 0, 0, 0, 0, 0, False)
                self.add(exchange_symbol, cd, counts=True, confirm=True)
            else:  # still open: taken from REST when it closes
                self.rebuild.add(key_of(new.symbol, tf, start))
        return out

    def unresolved(self) -> int:
        # windows to rebuild are not stored yet (what is stored is right): they hold signals,
        # not coherence
        return self.counting + len(self.gap_open)

    async def backfill(self) -> list[ClosedCandle]:
        """Try to fill every hole from REST klines; return the candles stored."""
        pending, self.holes = self.holes, []
        filled: list[ClosedCandle] = []
        for i, hole in enumerate(pending):
            try:
                candle = await fill(hole, self._fetch)
            except TemporaryError as e:
                log.info("backfill postponed: %s", e)
                self.holes.extend(pending[i:])
                break
            if candle is None:  # the exchange does not have every minute (yet)
                tries = self._attempts[hole] = self._attempts.get(hole, 0) + 1
                if tries < self._max_attempts:
                    self.holes.append(hole)
                else:
                    self._give_up(hole)
                continue
            if hole.confirm and self._first.pop(hole, None) != candle:
                # klines read while the exchange is still catching up on a stalled minute may
                # be incomplete: act only on two identical answers, one pass apart
                self._first[hole] = candle
                tries = self._attempts[hole] = self._attempts.get(hole, 0) + 1
                if tries < self._max_attempts:
                    self.holes.append(hole)
                else:
                    self._give_up(hole)
                continue
            filled.append(candle)
            self._attempts.pop(hole, None)
            self.unfilled.discard(key_of(hole.symbol, hole.timeframe, hole.open_time_ms))
            if hole.from_gap:
                self.counting -= 1
        if filled:
            self._submit(store.save_candles, filled, replace=True)
        return filled

    def _give_up(self, hole: Hole) -> None:
        """Record an unrecoverable candle; it no longer holds the heartbeat « Non cohérent »."""
        log.warning("backfill abandoned for %s", hole)
        self._attempts.pop(hole, None)
        self.unrecoverable += 1
        key = key_of(hole.symbol, hole.timeframe, hole.open_time_ms)
        self.unfilled.discard(key)
        self.abandoned.add(key)
        when = ms_to_utc(hole.open_time_ms).strftime("%Y-%m-%d %H:%M UTC")
        text = messages.candle_unrecoverable(hole.symbol, hole.timeframe.value, when)
        context: dict[str, Any] = {"symbol": hole.symbol, "timeframe": hole.timeframe.value,
                                   "open_time_ms": hole.open_time_ms}
        self._submit(store.add_alert, "heartbeat_unrecoverable", text, context)
        if hole.from_gap:
            self.counting -= 1
