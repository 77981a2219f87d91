"""``research.backtest`` and ``research.chart``: the dashboard's simulator and chart, in a notebook.

A notebook is its author's own process: the strategy runs here, through the same pure
simulator (``aristobot.core.backtest.run_backtest``, its fast path and its look-ahead check)
as the strategy workers. The dashboard never runs user code in its process; it goes through
the worker pool or the sandboxed Dask workers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aristobot.backtest.job import check_candles, make_params
from aristobot.backtest.results_store import trades_frame
from aristobot.core.backtest import BacktestParams, BacktestResult, run_backtest
from aristobot.core.backtest.types import BINANCE_SPOT_TAKER_FEE
from aristobot.core.strategy_api import Strategy, with_params
from aristobot.core.strategy_loader import load_strategy
from aristobot.errors import ValidationError
from aristobot.research import messages as msg
from aristobot.research.strategies import StoredStrategy

StrategyLike = str | type[Strategy] | StoredStrategy


@dataclass(frozen=True)
class Run:
    """One backtest: its result, the candles it ran on and the strategy parameters used."""

    name: str
    result: BacktestResult
    candles: pd.DataFrame = field(repr=False)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def stats(self) -> pd.Series:
        """The statistics (scalars only) as a Series."""
        return pd.Series({k: v for k, v in self.result.stats.items()
                          if not isinstance(v, dict | list)}, dtype=object)

    @property
    def trades(self) -> pd.DataFrame:
        return trades_frame(self.result.trades)

    @property
    def equity(self) -> pd.Series:
        return self.result.equity

    @property
    def lookahead_ok(self) -> bool | None:
        report = self.result.lookahead
        return None if report is None else bool(report.ok)

    def chart(self, **options: Any) -> Any:
        """Return the Bokeh chart of this run (see :func:`chart`)."""
        return chart(self, **options)


def strategy_class(strategy: StrategyLike) -> type[Strategy]:
    """Return the strategy class of source code, a class, or a stored strategy."""
    if isinstance(strategy, StoredStrategy):
        return load_strategy(strategy.code)
    if isinstance(strategy, str):
        return load_strategy(strategy)
    if isinstance(strategy, type) and issubclass(strategy, Strategy):
        return strategy
    raise ValidationError(reason=msg.STRATEGY_EXPECTED)


def backtest(
    strategy: StrategyLike,
    candles: pd.DataFrame,
    *,
    params: Mapping[str, Any] | None = None,
    initial_amount: float = 10_000.0,
    fee_rate: float = BINANCE_SPOT_TAKER_FEE,
    slippage: float = 0.0,
    window: int | None = None,
    mode: str = "fast",
) -> Run:
    """Backtest ``strategy`` on ``candles`` and return the :class:`Run`.

    ``strategy``: source code, a ``Strategy`` subclass or ``research.strategy("nom")``.
    ``params``: values for the strategy's declared parameters (others keep their default).
    ``window``: candles the strategy sees per decision (default: the stored strategy's, or 500).
    """
    cls = strategy_class(strategy)
    if window is None:
        window = strategy.window_size if isinstance(strategy, StoredStrategy) else 500
    bt = make_params(BacktestParams(initial_amount=float(initial_amount),
                                    fee_rate=float(fee_rate), slippage=float(slippage),
                                    window=int(window), mode=mode))
    result = run_backtest(check_candles(candles), cls, bt, strategy_params=params)
    name = strategy.name if isinstance(strategy, StoredStrategy) else cls.__name__
    return Run(name, result, candles, dict(with_params(cls, params).params))


def chart(
    run: Run | BacktestResult,
    candles: pd.DataFrame | None = None,
    *,
    theme: str = "light",
    live_zoom: bool = False,
    **options: Any,
) -> Any:
    """Return the backtest chart (candles, trades, SL/TP, equity, drawdown) as a Bokeh layout.

    Show it with ``bokeh.io.show`` (after ``output_notebook()``) or in a Panel pane.
    ``live_zoom=False`` suits notebooks (no Python server redraws on zoom).
    """
    from aristobot.charts.backtest_chart import backtest_chart

    if isinstance(run, Run):
        result, candles = run.result, run.candles if candles is None else candles
        options.setdefault("title", run.name)
    else:
        result = run
    if candles is None:
        raise ValidationError(reason="bougies manquantes : research.chart(resultat, bougies)")
    return backtest_chart(candles, result.trades, result.equity, theme=theme,
                          live_zoom=live_zoom, **options)
