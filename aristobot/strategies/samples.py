"""Deterministic sample candles for the validation test run and benchmarks (no real data)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def sample_candles(n: int = 500, *, seed: int = 7, start: str = "2024-01-01",
                   freq: str = "1h", price: float = 30_000.0) -> pd.DataFrame:
    """Return ``n`` float64 OHLCV candles from a seeded random walk, indexed by UTC open time."""
    rng = np.random.default_rng(seed)
    returns = rng.normal(0.0, 0.004, n) + 0.0015 * np.sin(np.arange(n) / 15.0)
    close = price * np.exp(np.cumsum(returns))
    open_ = np.concatenate(([price], close[:-1]))
    spread = np.abs(rng.normal(0.0, 0.002, n)) * close
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - spread
    volume = rng.uniform(1.0, 50.0, n)
    index = pd.date_range(start, periods=n, freq=freq, tz="UTC", name="open_time")
    return pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": volume},
        index=index,
    )
