"""The exact path: a new strategy on the trailing window at every bar, through ``decide``.

This is what the live engine does at each closed candle, so it is the reference the fast path
is proven against; it is also the whole simulation when ``params.mode == "exact"``.
"""

from __future__ import annotations

import pandas as pd

from aristobot.core.backtest.simulator import first_decision
from aristobot.core.strategy_api import Decision, Position, Strategy, decide


def trailing_window(candles: pd.DataFrame, bar: int, window: int) -> pd.DataFrame:
    """Return the candles a strategy sees at the close of ``bar`` (the last ``window``)."""
    return candles.iloc[max(0, bar + 1 - window) : bar + 1]


def exact_decision(
    strategy_cls: type[Strategy],
    candles: pd.DataFrame,
    bar: int,
    window: int,
    balance: float,
    position: Position | None,
) -> Decision:
    """Return the decision the live engine would take at the close of ``bar``."""
    return decide(strategy_cls, trailing_window(candles, bar, window), balance, position)


class ExactSource:
    """Decisions for the simulator, each computed by the exact path."""

    vectorised = False

    def __init__(self, strategy_cls: type[Strategy], candles: pd.DataFrame, window: int) -> None:
        self._cls = strategy_cls
        self._candles = candles
        self._window = window

    def decision(self, bar: int, balance: float, position: Position | None) -> Decision:
        return exact_decision(self._cls, self._candles, bar, self._window, balance, position)

    def first_entry(self, start: int, stop: int, balance: float) -> tuple[int, Decision] | None:
        return first_decision(lambda bar: self.decision(bar, balance, None), start, stop)

    def first_exit(
        self, start: int, stop: int, balance: float, position: Position
    ) -> tuple[int, Decision] | None:
        return first_decision(lambda bar: self.decision(bar, balance, position), start, stop)
