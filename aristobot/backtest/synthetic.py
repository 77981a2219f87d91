"""A seeded synthetic market: deterministic OHLCV candles for tests, notebooks and benchmarks.

The project never ships real market data; this generator gives candles that look like a
market (trends, volatility clusters, wicks, volume) and are identical for a given seed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from aristobot.domain.timeframe import Timeframe

DEFAULT_START = datetime(2024, 1, 1, tzinfo=UTC)


def synthetic_candles(
    n: int,
    *,
    timeframe: Timeframe | str = Timeframe.M1,
    start: datetime = DEFAULT_START,
    seed: int = 42,
    price: float = 40_000.0,
    volatility: float = 0.0008,
) -> pd.DataFrame:
    """Return ``n`` candles (float64 open/high/low/close/volume) indexed by UTC open time.

    Log returns follow a slowly drifting regime (so trend strategies trade) with volatility
    clustering; highs/lows extend beyond open/close by random wicks. Same seed, same candles.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    tf = Timeframe.parse(timeframe)
    rng = np.random.default_rng(seed)
    # Regime drift: smoothed noise (moving average over ~4 hours), so trends last hours
    # without the price running away over a long sample.
    drift = _moving_mean(rng.normal(0.0, 1.0, n), 240) * np.sqrt(240) * volatility * 0.08
    vol = volatility * np.exp(_moving_mean(rng.normal(0.0, 1.0, n), 60) * np.sqrt(60) * 0.25)
    returns = drift + rng.normal(0.0, 1.0, n) * vol
    close = price * np.exp(np.cumsum(returns))
    open_ = np.empty(n)
    if n:
        open_[0] = price
        open_[1:] = close[:-1]
    body_hi = np.maximum(open_, close)
    body_lo = np.minimum(open_, close)
    high = body_hi * (1.0 + np.abs(rng.normal(0.0, 1.0, n)) * vol * 0.6)
    low = body_lo * (1.0 - np.abs(rng.normal(0.0, 1.0, n)) * vol * 0.6)
    volume = np.round(rng.gamma(2.0, 5.0, n) * (1.0 + np.abs(returns) / volatility), 6)
    index = pd.date_range(start, periods=n, freq=f"{tf.seconds}s", tz=UTC, name="open_time")
    return pd.DataFrame(
        {
            "open": np.round(open_, 2),
            "high": np.round(high, 2),
            "low": np.round(low, 2),
            "close": np.round(close, 2),
            "volume": volume,
        },
        index=index,
    )


def _moving_mean(x: np.ndarray, window: int) -> np.ndarray:
    c = np.concatenate(([0.0], np.cumsum(x)))
    out = np.empty_like(x)
    k = np.arange(x.size)
    lo = np.maximum(k - window + 1, 0)
    out[:] = (c[k + 1] - c[lo]) / (k + 1 - lo)
    return out


def to_ohlcv_rows(candles: pd.DataFrame) -> list[list[float]]:
    """Return candles as ccxt ``fetch_ohlcv`` rows: ``[open_ms, o, h, l, c, v]``."""
    ms = candles.index.as_unit("ms").asi8
    values = candles[["open", "high", "low", "close", "volume"]].to_numpy(np.float64)
    return [[int(t), *map(float, row)] for t, row in zip(ms, values, strict=True)]
