"""``research.sweep`` and ``research.walk_forward``: thin wrappers over ``aristobot.optimize``.

They take what a notebook has at hand (a stored strategy or source code, a parameter space
as a plain dict, constraints as text, backtest settings as keywords), build the points and
call the engine. A notebook is its author's own process: the runs happen in the Dask
workers' processes (``isolation="process"``) by default; ``isolation="sandbox"`` runs each
one in a sandboxed strategy worker, as the dashboard does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from aristobot.backtest.job import make_params
from aristobot.core.backtest import BacktestParams
from aristobot.core.backtest.types import BINANCE_SPOT_TAKER_FEE
from aristobot.core.strategy_api import Strategy
from aristobot.research.strategies import StoredStrategy
from aristobot.research.workbench import settings as current_settings
from aristobot.sweeps.records import points

if TYPE_CHECKING:
    from aristobot.optimize import SweepResult, WalkForwardResult

def _code(strategy: str | type[Strategy] | StoredStrategy) -> str | type[Strategy]:
    return strategy.code if isinstance(strategy, StoredStrategy) else strategy


def _backtest(initial_amount: float, fee_rate: float, slippage: float, window: int | None,
              strategy: Any, mode: str) -> BacktestParams:
    if window is None:
        window = strategy.window_size if isinstance(strategy, StoredStrategy) else 500
    return make_params(BacktestParams(initial_amount=float(initial_amount),
                                      fee_rate=float(fee_rate), slippage=float(slippage),
                                      window=int(window), mode=mode))


def sweep(
    strategy: str | type[Strategy] | StoredStrategy,
    candles: pd.DataFrame,
    space: Mapping[str, Any],
    constraints: Iterable[str] | str | None = None,
    *,
    objective: str = "sharpe",
    method: str = "grid",
    n: int = 100,
    seed: int = 0,
    cap: int | None = None,
    initial_amount: float = 10_000.0,
    fee_rate: float = BINANCE_SPOT_TAKER_FEE,
    slippage: float = 0.0,
    window: int | None = None,
    mode: str = "fast",
    isolation: str = "process",
    client: Any = None,
    on_progress: Any = None,
) -> SweepResult:
    """Backtest every point of ``space`` on ``candles``; return the ranked, judged result.

    ``result.to_frame()`` lists the runs best first, ``result.heatmap("fast", "slow")`` the
    objective over two parameters, ``result.verdict`` the overfitting guard in French.
    The cluster is ``client``, else ``ARISTOBOT_DASK_SCHEDULER``, else a LocalCluster.
    """
    from aristobot import optimize as opt

    pts = points(space, constraints, method=method, n=n, seed=seed, cap=cap)
    kwargs: dict[str, Any] = {} if cap is None else {"cap": int(cap)}
    return opt.run_sweep(_code(strategy), candles, pts, objective,
                         backtest=_backtest(initial_amount, fee_rate, slippage, window,
                                            strategy, mode),
                         client=client, settings=None if client else current_settings(),
                         isolation=isolation, on_progress=on_progress, **kwargs)


def walk_forward(
    strategy: str | type[Strategy] | StoredStrategy,
    candles: pd.DataFrame,
    space: Mapping[str, Any],
    constraints: Iterable[str] | str | None = None,
    *,
    objective: str = "sharpe",
    windows: str = "rolling",
    n_splits: int = 4,
    in_sample_fraction: float = 0.75,
    method: str = "grid",
    n: int = 100,
    seed: int = 0,
    cap: int | None = None,
    initial_amount: float = 10_000.0,
    fee_rate: float = BINANCE_SPOT_TAKER_FEE,
    slippage: float = 0.0,
    window: int | None = None,
    mode: str = "fast",
    isolation: str = "process",
    client: Any = None,
) -> WalkForwardResult:
    """Walk-forward: each window's best in-sample point, judged only out of sample.

    ``windows="rolling"`` (fixed-length in-sample) or ``"anchored"`` (in-sample from the
    first candle); ``result.to_frame()`` shows in-sample and out-of-sample side by side.
    """
    from aristobot import optimize as opt

    pts = points(space, constraints, method=method, n=n, seed=seed, cap=cap)
    kwargs: dict[str, Any] = {} if cap is None else {"cap": int(cap)}
    return opt.walk_forward(_code(strategy), candles, pts, objective, windows=windows,
                            n_splits=n_splits, in_sample_fraction=in_sample_fraction,
                            backtest=_backtest(initial_amount, fee_rate, slippage, window,
                                               strategy, mode),
                            client=client, settings=None if client else current_settings(),
                            isolation=isolation, **kwargs)
