"""One run of a sweep: the backtester on a slice of candles with some parameters, summarised.

``evaluate`` is the same whether it runs in-process on a Dask worker (notebooks) or inside a
sandboxed strategy worker (``optimize.job``, the dashboard): ``run_backtest`` with the
strategy's ``params`` overridden, then ``summarize`` keeps what a sweep needs: the statistics,
the number of trades, the look-ahead check's verdict and the equity's returns between
``samples + 1`` evenly spaced bars (the returns matrix of the overfitting guard).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aristobot.core.backtest.runner import run_backtest
from aristobot.core.backtest.types import BacktestParams, BacktestResult
from aristobot.core.strategy_api import Strategy

#: Returns kept per run for the overfitting guard (sampled equity, equal bars for all runs).
DEFAULT_SAMPLES = 500
MAX_SAMPLES = 5_000


@dataclass(frozen=True)
class RunSummary:
    """What a sweep keeps of one backtest (plain data; travels back from workers)."""

    stats: dict[str, Any]
    trades: int
    lookahead_ok: bool | None  # None: no check ran (cancelled run)
    returns: np.ndarray = field(repr=False)  # float64, equity returns between sampled bars
    engine: str | None = None
    decision_errors: int = 0
    first_error: str | None = None  # French text of the strategy's first failed decision
    cancelled: bool = False


def sample_positions(bars: int, samples: int) -> np.ndarray:
    """Return up to ``samples + 1`` distinct, evenly spaced bar positions, first and last
    included (the same for every run over ``bars`` bars)."""
    if bars <= 0:
        return np.zeros(0, dtype=np.int64)
    count = max(2, min(int(samples) + 1, bars))
    return np.unique(np.linspace(0, bars - 1, count).round().astype(np.int64))


def summarize(result: BacktestResult, samples: int = DEFAULT_SAMPLES,
              bars: int | None = None) -> RunSummary:
    """Reduce a ``BacktestResult`` to a ``RunSummary`` (``bars``: length of the candles)."""
    equity = result.equity.to_numpy(np.float64)
    positions = sample_positions(bars if bars is not None else equity.size, samples)
    positions = positions[positions < equity.size]
    sampled = equity[positions] if equity.size else np.zeros(0)
    returns = np.diff(sampled) / sampled[:-1] if sampled.size >= 2 else np.zeros(0)
    la = result.lookahead
    first = result.meta.get("first_error")
    return RunSummary(
        stats=dict(result.stats), trades=len(result.trades),
        lookahead_ok=None if la is None else bool(la.ok),
        returns=np.asarray(returns, dtype=np.float64),
        engine=result.meta.get("engine"), decision_errors=int(result.meta.get("errors", 0)),
        first_error=None if first is None else str(first[1] if isinstance(first, tuple)
                                                  else first),
        cancelled=bool(result.cancelled))


def evaluate(strategy_cls: type[Strategy], candles: pd.DataFrame,
             strategy_params: Mapping[str, Any], params: BacktestParams,
             samples: int = DEFAULT_SAMPLES,
             should_stop: Callable[[], bool] | None = None) -> RunSummary:
    """Backtest ``strategy_cls`` with ``strategy_params`` on ``candles`` and summarise it.

    The strategy's own exceptions and ``ValidationError`` propagate (the caller reports them).
    """
    result = run_backtest(candles, strategy_cls, params, should_stop=should_stop,
                          strategy_params=strategy_params)
    return summarize(result, samples, len(candles))
