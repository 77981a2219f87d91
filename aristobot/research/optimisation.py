"""``research.sweep`` and ``research.walk_forward``: thin wrappers over ``aristobot.optimize``.

They take what a notebook has at hand (a stored strategy or source code, a parameter space
as a plain dict, constraints as text, backtest settings as keywords), build the points and
call the engine. A notebook is its author's own process: the runs happen in the Dask
workers' processes (``isolation="process"``) by default; ``isolation="sandbox"`` runs each
one in a sandboxed strategy worker, as the dashboard does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

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

class RunOptions(TypedDict, total=False):
    """Keywords shared by ``sweep`` and ``walk_forward`` (defaults in ``DEFAULTS``).

    ``method`` ``"grid"``/``"random"`` (``n`` points drawn with ``seed``), ``cap`` on the
    number of runs, the backtest's ``initial_amount``, ``fee_rate``, ``slippage``, ``window``
    (the stored strategy's, else 500) and ``mode``; ``isolation`` ``"process"`` (the Dask
    workers run the code) or ``"sandbox"``; ``client`` a ``distributed.Client`` (else
    ``ARISTOBOT_DASK_SCHEDULER``, else a LocalCluster)."""

    method: str
    n: int
    seed: int
    cap: int | None
    initial_amount: float
    fee_rate: float
    slippage: float
    window: int | None
    mode: str
    isolation: str
    client: Any


DEFAULTS: RunOptions = {
    "method": "grid", "n": 100, "seed": 0, "cap": None, "initial_amount": 10_000.0,
    "fee_rate": BINANCE_SPOT_TAKER_FEE, "slippage": 0.0, "window": None, "mode": "fast",
    "isolation": "process", "client": None,
}

Strategyish = str | type[Strategy] | StoredStrategy


def _engine_args(strategy: Strategyish, space: Mapping[str, Any],
                 constraints: Iterable[str] | str | None,
                 options: RunOptions) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return the points of ``space`` and the engine's keywords for ``options``."""
    o: RunOptions = {**DEFAULTS, **options}
    unknown = sorted(set(options) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"unexpected keyword(s): {', '.join(unknown)}")
    cap = o["cap"]
    pts = points(space, constraints, method=o["method"], n=o["n"], seed=o["seed"], cap=cap)
    window = o["window"]
    if window is None:
        window = strategy.window_size if isinstance(strategy, StoredStrategy) else 500
    backtest = make_params(BacktestParams(
        initial_amount=float(o["initial_amount"]), fee_rate=float(o["fee_rate"]),
        slippage=float(o["slippage"]), window=int(window), mode=o["mode"]))
    client = o["client"]
    kwargs: dict[str, Any] = {
        "backtest": backtest, "client": client,
        "settings": None if client else current_settings(), "isolation": o["isolation"]}
    if cap is not None:
        kwargs["cap"] = int(cap)
    return pts, kwargs


def _code(strategy: Strategyish) -> str | type[Strategy]:
    return strategy.code if isinstance(strategy, StoredStrategy) else strategy


def sweep(strategy: Strategyish, candles: pd.DataFrame, space: Mapping[str, Any],
          constraints: Iterable[str] | str | None = None, *, objective: str = "sharpe",
          on_progress: Any = None, **options: Unpack[RunOptions]) -> SweepResult:
    """Backtest every point of ``space`` on ``candles``; return the ranked, judged result.

    ``result.to_frame()`` lists the runs best first, ``result.heatmap("fast", "slow")`` the
    objective over two parameters, ``result.verdict`` the overfitting guard in French.
    Other keywords: ``RunOptions``.
    """
    from aristobot import optimize as opt

    pts, kwargs = _engine_args(strategy, space, constraints, options)
    return opt.run_sweep(_code(strategy), candles, pts, objective, on_progress=on_progress,
                         **kwargs)


def walk_forward(strategy: Strategyish, candles: pd.DataFrame, space: Mapping[str, Any],
                 constraints: Iterable[str] | str | None = None, *, objective: str = "sharpe",
                 windows: str = "rolling", n_splits: int = 4, in_sample_fraction: float = 0.75,
                 **options: Unpack[RunOptions]) -> WalkForwardResult:
    """Walk-forward: each window's best in-sample point, judged only out of sample.

    ``windows="rolling"`` (fixed-length in-sample) or ``"anchored"`` (in-sample from the
    first candle); ``result.to_frame()`` shows in-sample and out-of-sample side by side.
    Other keywords: ``RunOptions``.
    """
    from aristobot import optimize as opt

    pts, kwargs = _engine_args(strategy, space, constraints, options)
    return opt.walk_forward(_code(strategy), candles, pts, objective, windows=windows,
                            n_splits=n_splits, in_sample_fraction=in_sample_fraction, **kwargs)
