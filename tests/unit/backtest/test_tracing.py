"""Tracing a decision method gives, bar for bar, what calling it per bar gives - or gives up."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from aristobot.backtest.synthetic import synthetic_candles
from aristobot.core.backtest.fast_path import ViewSource
from aristobot.core.backtest.tracing import TraceUnsupported
from aristobot.core.strategy_api import Position, Strategy

CANDLES = synthetic_candles(3000, seed=9, volatility=0.003)
WINDOW = 40


class Branchy(Strategy):
    def __init__(self, candles, balance, position=None):  # type: ignore[no-untyped-def]
        super().__init__(candles, balance, position)
        self.candles["mid"] = (self.candles["high"] + self.candles["low"]) / 2
        self.candles["sma"] = self.candles["close"].rolling(30).mean()

    def should_long(self) -> bool:
        c = self.candles
        if len(c) < 31:
            return False
        close, opened = c["close"].iloc[-1], c["open"].iloc[-1]
        if np.isnan(c["sma"].iloc[-2]):
            return False
        if close > opened:
            body = close - opened
            return c["high"].iloc[-1] - close < body * 0.5 and close > c.sma.iloc[-1]
        elif abs(close - opened) < 1:
            return c["mid"].iat[-1] > c["close"].iloc[0]
        return min(close, opened) > c["low"].iloc[-2] * 1.002 or not close < c["sma"].iloc[-1]

    def should_short(self) -> bool:
        c = self.candles
        spread = np.abs(c["close"].iloc[-1] - c["sma"].iloc[-1])
        return bool(spread > 40) and (c["close"].iloc[-1] < c["close"].iloc[-3] or False)


def traced_and_per_bar(strategy_cls: type[Strategy]) -> tuple[ViewSource, object]:
    view = ViewSource(strategy_cls, CANDLES, WINDOW, 1000.0)
    return view, view.trace()


def test_traced_signals_equal_per_bar_calls_on_every_bar() -> None:
    view, traced = traced_and_per_bar(Branchy)
    longs = set(traced.long_bars.tolist())  # type: ignore[attr-defined]
    shorts = set(traced.short_bars.tolist())  # type: ignore[attr-defined]
    assert 50 < len(longs) < 2500 and 50 < len(shorts) < 2500
    position = Position("long", 1.0, 100.0)
    for bar in range(WINDOW - 1, len(CANDLES)):
        assert view.signal("should_long", bar, None) == (bar in longs), bar
        assert view.signal("should_short", bar, position) == (bar in shorts), bar


def test_constant_answers_trace_too() -> None:
    class Always(Strategy):
        def should_long(self) -> bool:
            return len(self.candles) >= WINDOW

    _, traced = traced_and_per_bar(Always)
    assert len(traced.long_bars) == len(CANDLES) - WINDOW + 1  # type: ignore[attr-defined]
    assert len(traced.short_bars) == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body",
    [
        lambda s: float(s.candles["close"].iloc[-1]) > 1,
        lambda s: math.isnan(s.candles["close"].iloc[-1]),
        lambda s: pd.isna(s.candles["close"].iloc[-1]),
        lambda s: s.candles["close"].iloc[-3:].mean() > 1,
        lambda s: s.candles["close"].mean() > 1,
        lambda s: s.candles["close"].iloc[-1] > s.balance,
        lambda s: s.candles.index[-1].hour == 3,
        lambda s: s.candles["close"].iloc[-1] == None,  # noqa: E711
        lambda s: round(s.candles["close"].iloc[-1]) > 1,
        lambda s: s.candles["close"].iloc[-WINDOW - 1] > 1,
    ],
    ids=["float", "math.isnan", "pd.isna", "slice", "mean", "balance", "index", "none",
         "round", "beyond-window"],
)
def test_what_cannot_be_traced_is_refused_not_guessed(body) -> None:  # type: ignore[no-untyped-def]
    cls = type("Untraceable", (Strategy,), {"should_long": lambda self: body(self)})
    view = ViewSource(cls, CANDLES, WINDOW, 1000.0)
    with pytest.raises((TraceUnsupported, AttributeError, TypeError)):
        view.trace()
    # The instance is left as it was: the per-bar path still works on it.
    assert view.strategy.balance == 1000.0


def test_reading_the_position_while_long_is_refused() -> None:
    class ReadsEntry(Strategy):
        def should_short(self) -> bool:
            return self.candles["close"].iloc[-1] > self.position.entry_price  # type: ignore[union-attr]

    with pytest.raises(TraceUnsupported):
        ViewSource(ReadsEntry, CANDLES, WINDOW, 1000.0).trace()
