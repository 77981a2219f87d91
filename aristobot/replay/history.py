"""1m kline rows: seeded synthetic history for any past range, and rows built from trades.

The synthetic history is a deterministic function of (seed, symbol, minute): the log price
is a sum of seeded sinusoids over periods from minutes to years (a random-walk-like path with
random access, so any range is computed without generating what precedes it) plus per-minute
noise from a counter-based hash. It is anchored on a (minute, price) pair, so it joins the
live market (the synthetic market's start, or a tape's first trade) without a jump.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from aristobot.replay.symbols import MarketSpec

MINUTE_MS = 60_000
HISTORY_START_MS = 1_483_228_800_000  # 2017-01-01T00:00:00Z: nothing is served before
FIXED_ANCHOR_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z: where a market's typical price is
_PERIODS = np.geomspace(5.0, 1_600_000.0, 20)  # minutes: 5 min … ~3 years
_SIGMA = 0.0007  # log-price scale of one minute


@dataclass(frozen=True, slots=True)
class MinuteRows:
    """Consecutive or sparse 1m klines as columns (open times in epoch ms, ascending)."""

    t: np.ndarray  # int64 open times
    o: np.ndarray
    h: np.ndarray
    lo: np.ndarray
    c: np.ndarray
    v: np.ndarray  # base volume
    n: np.ndarray  # int64 trade counts
    qv: np.ndarray  # quote volume
    tb: np.ndarray  # taker buy base volume

    @staticmethod
    def empty() -> MinuteRows:
        f, i = np.empty(0), np.empty(0, np.int64)
        return MinuteRows(i, f, f, f, f, f, i, f, f)

    def __len__(self) -> int:
        return len(self.t)

    def select(self, mask: np.ndarray) -> MinuteRows:
        return MinuteRows(*(getattr(self, k)[mask] for k in self.__slots__))

    @staticmethod
    def concat(parts: list[MinuteRows]) -> MinuteRows:
        parts = [p for p in parts if len(p)]
        if not parts:
            return MinuteRows.empty()
        return MinuteRows(*(np.concatenate([getattr(p, k) for p in parts])
                            for k in MinuteRows.__slots__))


def _uniform(keys: np.ndarray) -> np.ndarray:
    """Map uint64 keys to floats in [0, 1) (splitmix64: counter-based, vectorised)."""
    with np.errstate(over="ignore"):
        z = keys + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(2**53)


class SyntheticHistory:
    """Seeded 1m klines of one market, anchored on ``anchor_price`` at ``anchor_ms``."""

    def __init__(self, spec: MarketSpec, seed: int, anchor_ms: int, anchor_price: float) -> None:
        self.spec = spec
        key = (seed * 1_000_003 + zlib.crc32(spec.symbol.encode())) % 2**63
        rng = np.random.default_rng(key)
        self._phase = rng.uniform(0, 2 * np.pi, len(_PERIODS))
        self._amp = 0.5 * _SIGMA * np.sqrt(_PERIODS) * rng.uniform(0.5, 1.5, len(_PERIODS))
        self._key = np.uint64(key)
        self.anchor_ms = anchor_ms - anchor_ms % MINUTE_MS
        self._offset = float(self._log_path(np.array([self.anchor_ms // MINUTE_MS]))[0])
        self._log_anchor = float(np.log(anchor_price))

    def _noise(self, minutes: np.ndarray, salt: int) -> np.ndarray:
        keys = minutes.astype(np.uint64) * np.uint64(8) + np.uint64(salt)
        with np.errstate(over="ignore"):
            keys = keys ^ (self._key * np.uint64(0x100000001B3))
        return _uniform(keys)

    def _log_path(self, minutes: np.ndarray) -> np.ndarray:
        m = minutes.astype(np.float64)
        waves = np.sin(np.outer(m, 2 * np.pi / _PERIODS) + self._phase) @ self._amp
        return waves + _SIGMA * (self._noise(minutes, 0) - 0.5)

    def price_at(self, ts_ms: int) -> float:
        """Return the price at the minute boundary at or before ``ts_ms``."""
        m = np.array([ts_ms // MINUTE_MS])
        return float(self._round(np.exp(self._log_path(m) - self._offset + self._log_anchor))[0])

    def _round(self, x: np.ndarray) -> np.ndarray:
        tick = self.spec.tick
        return np.round(np.round(x / tick) * tick, self.spec.price_decimals)

    def rows(self, first_ms: int, count: int, step_ms: int = MINUTE_MS) -> MinuteRows:
        """Return ``count`` consecutive klines of ``step_ms`` from ``first_ms``.

        Opens and closes lie on the same path whatever the step (a 15m row opens and closes
        like its 1m rows); wicks and volumes of a coarse row are drawn, not summed.
        """
        if count <= 0:
            return MinuteRows.empty()
        per = step_ms // MINUTE_MS
        m0 = first_ms // MINUTE_MS
        minutes = np.arange(m0, m0 + (count + 1) * per, per, dtype=np.int64)
        px = np.exp(self._log_path(minutes) - self._offset + self._log_anchor)
        o, c = px[:-1], px[1:]
        mins = minutes[:-1]
        wick = _SIGMA * 0.6 * np.sqrt(per)
        h = self._round(np.maximum(o, c) * (1 + wick * self._noise(mins, 1)))
        lo = self._round(np.minimum(o, c) * (1 - wick * self._noise(mins, 2)))
        o, c = self._round(o), self._round(c)
        step = self.spec.step
        vol = self.spec.volume_per_minute * per * (0.2 + 1.6 * self._noise(mins, 3))
        vol = np.maximum(np.round(vol / step) * step, step)
        n = ((5 + 60 * self._noise(mins, 4)) * per).astype(np.int64)
        mid = (o + c) / 2
        tb = np.round(vol * (0.3 + 0.4 * self._noise(mins, 5)) / step) * step
        return MinuteRows(mins * MINUTE_MS, o, h, lo, c, vol, n, vol * mid, tb)


def rows_from_trades(ts: np.ndarray, price: np.ndarray, qty: np.ndarray, taker_buy: np.ndarray,
                     first_ms: int, end_ms: int, carry: float) -> MinuteRows:
    """Return every 1m kline of ``[first_ms, end_ms)`` built from trades (sorted by time).

    Minutes without a trade are flat at the previous close (``carry`` before the first
    trade), with volume 0, as Binance serves them.
    """
    count = max(0, (end_ms - first_ms) // MINUTE_MS)
    if count == 0:
        return MinuteRows.empty()
    idx = (ts - first_ms) // MINUTE_MS
    keep = (idx >= 0) & (idx < count)
    idx, price, qty, taker_buy = idx[keep], price[keep], qty[keep], taker_buy[keep]
    o = np.full(count, np.nan)
    h, lo, c = o.copy(), o.copy(), o.copy()
    v, qv, tb = np.zeros(count), np.zeros(count), np.zeros(count)
    n = np.zeros(count, np.int64)
    if len(idx):
        starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
        ends = np.r_[starts[1:], len(idx)]
        where = idx[starts]
        o[where], c[where] = price[starts], price[ends - 1]
        h[where] = np.maximum.reduceat(price, starts)
        lo[where] = np.minimum.reduceat(price, starts)
        v[where] = np.add.reduceat(qty, starts)
        qv[where] = np.add.reduceat(qty * price, starts)
        tb[where] = np.add.reduceat(np.where(taker_buy, qty, 0.0), starts)
        n[where] = ends - starts
    # a quiet minute opens and closes at the previous close (``carry`` before any trade)
    empty = np.isnan(o)
    last = np.maximum.accumulate(np.where(empty, -1, np.arange(count)))
    prev = np.where(last >= 0, c[np.maximum(last, 0)], carry)
    o[empty] = h[empty] = lo[empty] = c[empty] = prev[empty]
    t = first_ms + np.arange(count, dtype=np.int64) * MINUTE_MS
    return MinuteRows(t, o, h, lo, c, v, n, qv, tb)


def aggregate(rows: MinuteRows, interval_ms: int, base_ms: int = MINUTE_MS) -> MinuteRows:
    """Return the complete ``interval_ms`` klines of ``base_ms`` ``rows`` (sorted, maybe sparse).

    A kline is returned only when all its minutes are present (a kline is only served
    once fully observed).
    """
    if interval_ms == base_ms or not len(rows):
        return rows
    group = rows.t // interval_ms
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], len(group)]
    full = (ends - starts) == interval_ms // base_ms
    if not full.any():
        return MinuteRows.empty()

    def red(ufunc: np.ufunc, col: np.ndarray) -> np.ndarray:
        out: np.ndarray = ufunc.reduceat(col, starts)[full]
        return out

    return MinuteRows(
        group[starts][full] * interval_ms, rows.o[starts][full], red(np.maximum, rows.h),
        red(np.minimum, rows.lo), rows.c[ends - 1][full], red(np.add, rows.v),
        red(np.add, rows.n), red(np.add, rows.qv), red(np.add, rows.tb),
    )
