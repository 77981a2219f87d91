"""Hand-built candles and small test strategies for the simulator tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from aristobot.core.backtest import BacktestParams, BacktestResult, run_backtest
from aristobot.core.strategy_api import Strategy

START = datetime(2024, 1, 1, tzinfo=UTC)
LONG, SHORT = 1.0, 2.0  # signals carried by the volume column of hand-built candles


def candles_from(rows: Sequence[tuple[float, float, float, float, float]]) -> pd.DataFrame:
    """Return 1m candles from (open, high, low, close, volume) rows."""
    index = pd.date_range(START, periods=len(rows), freq="60s", tz=UTC, name="open_time")
    return pd.DataFrame(np.array(rows, dtype=np.float64),
                        columns=["open", "high", "low", "close", "volume"], index=index)


def flat_bar(price: float, volume: float = 0.0) -> tuple[float, float, float, float, float]:
    """A bar that stays within 0.1 % of ``price`` (reaches no 2 % stop)."""
    return (price, price * 1.001, price * 0.999, price, volume)


class Scripted(Strategy):
    """Goes long when the last volume is LONG, exits when it is SHORT (hand-built candles)."""

    size = 1000.0
    stop_loss = 0.02
    take_profit = 0.04

    def should_long(self) -> bool:
        return self.candles["volume"].iloc[-1] == LONG

    def should_short(self) -> bool:
        return self.candles["volume"].iloc[-1] == SHORT

    def calculate_position_size(self) -> float:
        return self.size

    def calculate_stop_loss(self) -> float:
        return self.stop_loss

    def calculate_take_profit(self) -> float:
        return self.take_profit


def scripted(**attrs: float) -> type[Strategy]:
    return type("ScriptedVariant", (Scripted,), dict(attrs))


def run_both(candles: pd.DataFrame, strategy_cls: type[Strategy],
             **params: object) -> BacktestResult:
    """Run fast and exact; check they agree exactly; return the fast result."""
    fast = run_backtest(candles, strategy_cls, BacktestParams(mode="fast", **params))  # type: ignore[arg-type]
    exact = run_backtest(candles, strategy_cls, BacktestParams(mode="exact", **params))  # type: ignore[arg-type]
    assert fast.trades == exact.trades
    assert np.array_equal(fast.equity.to_numpy(), exact.equity.to_numpy())
    assert fast.lookahead is not None and fast.lookahead.ok, fast.lookahead
    return fast


def shared_ohlcv(name: str) -> pd.DataFrame | None:
    """Return a real Binance file of the shared data set (never copied into the project) as
    candles, or None when the data set is not on this machine. The data set is looked for in
    ``$ARISTOBOT_SHARED_DATA``, then in ``../shared/data`` beside the checkout."""
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    given = os.environ.get("ARISTOBOT_SHARED_DATA")
    bases = [Path(given)] if given else []
    bases += [root.parent / "shared" / "data", root.parent.parent / "shared" / "data"]
    for base in bases:
        path = base / "ohlcv" / name
        if path.exists():
            raw = pd.read_csv(path)
            index = pd.DatetimeIndex(pd.to_datetime(raw["timestamp_ms"], unit="ms", utc=True),
                                     name="open_time")
            frame = raw[["open", "high", "low", "close", "volume"]].astype(np.float64)
            frame.index = index
            return frame
    return None
