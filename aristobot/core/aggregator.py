"""Pure multi-timeframe candle aggregation from trades (no I/O, no clock).

Policy (what the heartbeat guarantees about its candles):

* Trades are placed by their **exchange timestamp** into 1-minute buckets aligned on UTC; every
  heartbeat timeframe (1m, 3m, 5m, 10m, 15m, 1h, 2h, 4h) is built from those minutes, so all of
  them share the same boundaries (epoch-aligned, hence UTC-aligned).
* A minute closes when a trade stamped at or after its end arrives, or when the caller
  advances the clock past its end (``advance``: the service does it from a wall-clock timer for
  quiet markets). A minute with no trade carries the previous close with volume 0; a longer
  candle's open/high/low come from its first/highest/lowest **trade**, like Binance's klines.
* A **late** trade (stamped inside a minute that is already closed) is counted in ``late`` and
  dropped: a closed candle is never modified afterwards. Trades are otherwise taken in arrival
  order inside the open minute (Binance sends one symbol's trades in trade-id order).
* Invalid trades (NaN/inf/non-positive price, NaN/negative quantity) are counted and dropped.
* A candle whose window was not fully observed (the aggregator started, or lost trades through
  ``mark_gap``, inside it) is emitted with ``complete=False``; callers replace it with the
  exchange's own kline (REST backfill) instead of storing it.

Batches are numpy arrays, so per-trade Python work is nil; Python runs once per minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aristobot.domain.timeframe import HEARTBEAT_TIMEFRAMES, Timeframe

MINUTE_MS = 60_000

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ClosedCandle:
    """A closed OHLCV candle; times are epoch ms UTC, prices float64 (research series)."""

    symbol: str
    timeframe: Timeframe
    open_time_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    trades: int
    complete: bool

    @property
    def close_time_ms(self) -> int:
        """Return the end of the window (exclusive), i.e. the boundary that closed it."""
        return self.open_time_ms + self.timeframe.ms


class _Bar:
    """Mutable accumulator of one open candle (private; emitted as a frozen ClosedCandle)."""

    __slots__ = ("open_time", "o", "h", "l", "c", "v", "n", "complete")

    def __init__(self, open_time: int, carry: float, complete: bool) -> None:
        self.open_time = open_time
        self.o = self.h = self.l = self.c = carry
        self.v = 0.0
        self.n = 0
        self.complete = complete

    def add(self, o: float, h: float, lo: float, c: float, v: float, n: int) -> None:
        if n == 0:
            return
        if self.n == 0:
            self.o, self.h, self.l = o, h, lo
        else:
            if h > self.h:
                self.h = h
            if lo < self.l:
                self.l = lo
        self.c = c
        self.v += v
        self.n += n

    def freeze(self, symbol: str, tf: Timeframe) -> ClosedCandle:
        return ClosedCandle(
            symbol, tf, self.open_time, self.o, self.h, self.l, self.c, self.v, self.n,
            self.complete,
        )


class CandleAggregator:
    """Aggregate one symbol's trades into closed candles for several timeframes.

    Args:
        symbol: the symbol carried by emitted candles (any form, e.g. ``"BTC/USDT"``).
        timeframes: minute multiples dividing a day; defaults to the heartbeat's eight.
        since_ms: when given, every trade from that instant on is known to be fed, so the
            window containing it counts as complete; otherwise the first window is partial.
    """

    def __init__(
        self,
        symbol: str,
        timeframes: Sequence[Timeframe] = HEARTBEAT_TIMEFRAMES,
        since_ms: int | None = None,
    ) -> None:
        for tf in timeframes:
            if tf.ms % MINUTE_MS or 86_400_000 % tf.ms:
                raise ValueError(f"timeframe {tf.value} is not a minute multiple dividing a day")
        self.symbol = symbol
        self.timeframes = tuple(sorted(set(timeframes), key=lambda t: t.ms))
        self._higher = tuple(tf for tf in self.timeframes if tf is not Timeframe.M1)
        self._emit_1m = Timeframe.M1 in self.timeframes
        self._since = since_ms
        self._cur: _Bar | None = None  # the open minute
        self._tf: dict[Timeframe, _Bar | None] = {tf: None for tf in self._higher}
        self._last_close: float | None = None
        self._gap = False
        self.late = 0
        self.invalid = 0
        self.accepted = 0

    # --- state ------------------------------------------------------------------------------
    @property
    def watermark_ms(self) -> int | None:
        """Return the open time of the open minute: every earlier minute is closed."""
        return None if self._cur is None else self._cur.open_time

    def mark_gap(self) -> None:
        """Declare that trades were lost from now on (disconnect): windows become partial."""
        self._gap = True
        if self._cur is not None:
            self._cur.complete = False

    # --- input ------------------------------------------------------------------------------
    def ingest(self, ts: I64, price: F64, qty: F64) -> list[ClosedCandle]:
        """Add a batch of trades (parallel arrays); return the candles this batch closed."""
        n = len(ts)
        if n == 0:
            return []
        ok = (price > 0) & (qty >= 0) & np.isfinite(price) & np.isfinite(qty)
        minute = ts - ts % MINUTE_MS
        run = np.maximum.accumulate(minute)
        if self._cur is not None:
            np.maximum(run, self._cur.open_time, out=run)
        keep = ok & (minute == run)
        kept = int(np.count_nonzero(keep))
        if kept != n:
            self.invalid += n - int(np.count_nonzero(ok))
            self.late += int(np.count_nonzero(ok)) - kept
            if kept == 0:
                return []
            minute, price, qty = minute[keep], price[keep], qty[keep]
        self.accepted += kept
        starts = np.flatnonzero(np.diff(minute)) + 1
        starts = np.concatenate(([0], starts))
        ends = np.concatenate((starts[1:], [len(minute)]))
        highs = np.maximum.reduceat(price, starts)
        lows = np.minimum.reduceat(price, starts)
        vols = np.add.reduceat(qty, starts)
        opens, closes = price[starts], price[ends - 1]
        mins = minute[starts]
        out: list[ClosedCandle] = []
        for i in range(len(starts)):
            m = int(mins[i])
            if self._cur is None or m > self._cur.open_time:
                self._move_to(m, out, trade_at_start=False)
            assert self._cur is not None
            self._cur.add(
                float(opens[i]), float(highs[i]), float(lows[i]), float(closes[i]),
                float(vols[i]), int(ends[i] - starts[i]),
            )
            self._gap = False  # receiving again: later minutes are fully observed
        return out

    def advance(self, now_ms: int) -> list[ClosedCandle]:
        """Close every minute that ended at or before ``now_ms`` (exchange time)."""
        if self._cur is None or now_ms < self._cur.open_time + MINUTE_MS:
            return []
        out: list[ClosedCandle] = []
        self._move_to(now_ms - now_ms % MINUTE_MS, out, trade_at_start=False)
        return out

    def add_minute(
        self, open_time_ms: int, o: float, h: float, lo: float, c: float, v: float, n: int = 1
    ) -> list[ClosedCandle]:
        """Feed one complete 1m candle (e.g. a REST kline) and close it at once."""
        if self._cur is not None and open_time_ms < self._cur.open_time:
            self.late += 1
            return []
        out: list[ClosedCandle] = []
        if self._cur is None or open_time_ms > self._cur.open_time:
            self._move_to(open_time_ms, out, trade_at_start=True)
        cur = self._cur
        assert cur is not None
        if n == 0 and cur.n == 0:  # an exchange kline without trade: its flat price
            cur.o = cur.h = cur.l = cur.c = c
            if self._last_close is None:
                self._last_close = c
        cur.add(o, h, lo, c, v, n)
        self._gap = False
        self._move_to(open_time_ms + MINUTE_MS, out, trade_at_start=True)
        return out

    # --- internals --------------------------------------------------------------------------
    def _move_to(self, minute: int, out: list[ClosedCandle], trade_at_start: bool) -> None:
        """Close the open minute and fill empty ones, then open ``minute``."""
        cur = self._cur
        if cur is None:
            complete = trade_at_start or (self._since is not None and self._since <= minute)
            self._cur = _Bar(minute, 0.0, complete)
            return
        gap = self._gap
        self._close(cur, out)
        t = cur.open_time + MINUTE_MS
        while t < minute:  # empty minutes: previous close, volume 0
            carry = self._last_close if self._last_close is not None else cur.c
            self._close(_Bar(t, carry, not gap), out)
            t += MINUTE_MS
        carry = self._last_close if self._last_close is not None else cur.c
        self._cur = _Bar(minute, carry, not gap or trade_at_start)

    def _close(self, bar: _Bar, out: list[ClosedCandle]) -> None:
        if bar.n == 0 and self._last_close is None:
            bar.complete = False  # nothing known yet: no price to carry
        if bar.n:
            self._last_close = bar.c
        if self._emit_1m:
            out.append(bar.freeze(self.symbol, Timeframe.M1))
        end = bar.open_time + MINUTE_MS
        for tf in self._higher:
            acc = self._tf[tf]
            if acc is None:
                start = bar.open_time - bar.open_time % tf.ms
                acc = _Bar(start, bar.o, bar.complete and start == bar.open_time)
                self._tf[tf] = acc
            elif not bar.complete:
                acc.complete = False
            if bar.n == 0 and acc.n == 0:
                acc.o = acc.h = acc.l = acc.c = bar.c
            acc.add(bar.o, bar.h, bar.l, bar.c, bar.v, bar.n)
            if end % tf.ms == 0:
                out.append(acc.freeze(self.symbol, tf))
                self._tf[tf] = None
