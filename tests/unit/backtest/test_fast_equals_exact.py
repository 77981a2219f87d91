"""The fast path (traced or per-bar views) takes exactly the exact path's decisions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aristobot.backtest.synthetic import synthetic_candles
from aristobot.core.backtest import BacktestParams, run_backtest
from aristobot.core.strategy_api import Strategy
from aristobot.core.strategy_loader import load_strategy
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE
from tests.unit.backtest.support import run_both


@pytest.fixture(scope="module")
def candles() -> pd.DataFrame:
    return synthetic_candles(1200, seed=7, volatility=0.004)


class SmaAttribute(Strategy):
    """Keeps pandas Series as attributes (windowed by the fast path) and branches a lot."""

    def __init__(self, candles, balance, position=None):  # type: ignore[no-untyped-def]
        super().__init__(candles, balance, position)
        close = self.candles["close"]
        self.fast = close.rolling(8).mean()
        self.slow = close.rolling(30).mean()

    def should_long(self) -> bool:
        if len(self.candles) < 31:
            return False
        now, prev = self.fast.iloc[-1] - self.slow.iloc[-1], self.fast.iloc[-2] - self.slow.iloc[-2]
        if now > 0 and prev <= 0:
            return True
        c = self.candles
        return bool(c["close"].iloc[-1] > c["high"].iloc[-2] * 1.004 and abs(now) < 50)

    def should_short(self) -> bool:
        return bool(self.fast.iloc[-1] < self.slow.iloc[-1])

    def calculate_position_size(self) -> float:
        return self.balance * 0.5

    def calculate_stop_loss(self) -> float:
        return 0.01

    def calculate_take_profit(self) -> float:
        return 0.015


class PositionAware(Strategy):
    """Reads its position and balance (not traceable: the per-bar views run it)."""

    def should_long(self) -> bool:
        c = self.candles["close"]
        return len(c) > 5 and c.iloc[-1] < c.iloc[-5:].mean() * 0.995 and self.balance > 100

    def should_short(self) -> bool:
        assert self.position is not None
        last, pos = self.candles["close"].iloc[-1], self.position
        return bool(last > pos.entry_price * 1.006 or last < pos.stop_loss * 1.01)

    def calculate_position_size(self) -> float:
        return min(2500.0, self.balance)

    def calculate_stop_loss(self) -> float:
        return 0.02


class PandasHeavy(Strategy):
    """Uses pandas calls on its candles (tail, slices, rolling, values) inside the methods."""

    def should_long(self) -> bool:
        c = self.candles
        if len(c) < 20:
            return False
        highs = c["high"].iloc[-20:-1].max()
        return bool(c.close.values[-1] > highs and c.tail(3)["volume"].mean() > 5)

    def should_short(self) -> bool:
        c = self.candles
        low = c["low"].rolling(10).min().iloc[-2]
        return bool(c.iloc[-1]["close"] < low)

    def calculate_position_size(self) -> float:
        return self.balance * 0.25


def ema_example() -> type[Strategy]:
    return load_strategy(EMA_CROSS_EXAMPLE)


@pytest.mark.parametrize(
    ("factory", "engine"),
    [(ema_example, "trace"), (lambda: SmaAttribute, "trace"),
     (lambda: PositionAware, "view"), (lambda: PandasHeavy, "view")],
    ids=["ema-example", "sma-attributes", "position-aware", "pandas-heavy"],
)
def test_fast_equals_exact(candles: pd.DataFrame, factory, engine: str) -> None:  # type: ignore[no-untyped-def]
    strategy_cls = factory()
    result = run_both(candles, strategy_cls, window=120, check_samples=50)
    assert result.meta["engine"] == engine
    assert len(result.trades) >= 5  # the comparison is not vacuous


def test_trace_and_view_agree_on_a_longer_run() -> None:
    candles = synthetic_candles(20_000, seed=3)
    strategy_cls = ema_example()
    traced = run_backtest(candles, strategy_cls, BacktestParams())
    assert traced.meta["engine"] == "trace"
    viewed = run_backtest(candles, PerBar.wrap(strategy_cls), BacktestParams())
    assert viewed.meta["engine"] == "view"
    assert len(traced.trades) > 100
    assert traced.trades == viewed.trades
    assert np.array_equal(traced.equity.to_numpy(), viewed.equity.to_numpy())
    assert traced.lookahead is not None and traced.lookahead.ok
    assert traced.lookahead.checked_bars >= 60 and traced.lookahead.cuts >= 4


class PerBar:
    """Wraps a strategy so that tracing gives up (reads the balance) without changing it."""

    @staticmethod
    def wrap(cls: type[Strategy]) -> type[Strategy]:
        def should_long(self):  # type: ignore[no-untyped-def]
            _ = self.balance + 0  # a traced method may not read the balance
            return cls.should_long(self)

        return type("PerBar" + cls.__name__, (cls,), {"should_long": should_long})


def test_a_stateful_strategy_defeats_the_trace_and_is_flagged(candles: pd.DataFrame) -> None:
    class Alternating(Strategy):
        calls = 0

        def should_long(self) -> bool:
            type(self).calls += 1  # state across calls: not what the live engine sees
            return type(self).calls % 3 == 0

        def calculate_position_size(self) -> float:
            return 100.0

    result = run_backtest(candles, Alternating, BacktestParams(window=50))
    assert result.meta["engine"] == "view"
    assert "trace_fallback" in result.meta
