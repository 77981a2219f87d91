"""The worker-side backtest job: runs inside a strategy worker, never in the dashboard.

The pool calls ``run_job(**kwargs, report_progress=callable)`` in an isolated process (no
secrets, no database, no network). The job loads the user's class from its source, runs the
pure simulator on the candles it was given and returns the ``BacktestResult``, which travels
back as plain columns and fields declared by ``result_codec`` (never a pickle): the pool
rebuilds it from validated arrays, capped by the number of candles it sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd

from aristobot.backtest import messages as msg
from aristobot.backtest.result_codec import BacktestResultCodec
from aristobot.core.backtest.types import BacktestParams, BacktestResult
from aristobot.errors import ValidationError
from aristobot.strategies.job_results import job_result

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("open", "high", "low", "close", "volume")
MODES = ("fast", "exact")


def make_params(values: BacktestParams | dict[str, Any]) -> BacktestParams:
    """Return ``BacktestParams`` from a params object or a dict, refusing bad values in French."""
    if isinstance(values, BacktestParams):
        p = values
    else:
        known = {f.name for f in fields(BacktestParams)}
        unknown = set(values) - known
        if unknown:
            raise ValidationError(reason=msg.unknown_params(list(unknown)))
        p = BacktestParams(**values)
    checks = (
        (p.initial_amount > 0, msg.BAD_INITIAL_AMOUNT),
        (0 <= p.fee_rate < 0.1, msg.BAD_FEES),
        (0 <= p.slippage < 0.1, msg.BAD_SLIPPAGE),
        (p.window >= 1, msg.BAD_WINDOW),
        (p.mode in MODES, msg.unknown_mode(p.mode)),
        (p.check_samples >= 0, msg.BAD_CHECK_SAMPLES),
    )
    for ok, reason in checks:
        if not ok:
            raise ValidationError(reason=reason)
    return p


def check_candles(candles: pd.DataFrame) -> pd.DataFrame:
    """Return ``candles`` if usable by the simulator, else raise a French ``ValidationError``."""
    missing = [c for c in REQUIRED_COLUMNS if c not in candles.columns]
    if missing:
        raise ValidationError(reason=msg.missing_columns(missing))
    if len(candles) == 0:
        raise ValidationError(reason=msg.NO_CANDLES)
    if not isinstance(candles.index, pd.DatetimeIndex) or candles.index.tz is None:
        raise ValidationError(reason=msg.NOT_UTC_INDEXED)
    if not candles.index.is_monotonic_increasing or candles.index.has_duplicates:
        raise ValidationError(reason=msg.NOT_SORTED)
    values = candles[list(REQUIRED_COLUMNS)].to_numpy(np.float64)
    if not np.isfinite(values).all():
        raise ValidationError(reason=msg.NOT_FINITE)
    return candles


@job_result(BacktestResultCodec())
def run_job(
    *,
    code: str,
    candles: pd.DataFrame,
    params: BacktestParams | dict[str, Any],
    strategy_params: dict[str, Any] | None = None,
    report_progress: Callable[[float], None] | None = None,
) -> BacktestResult:
    """Load the strategy from ``code`` and backtest it on ``candles`` (progress as 0..1),
    with ``strategy_params`` overriding its declared ``params``."""
    from aristobot.core.backtest import run_backtest
    from aristobot.core.strategy_loader import load_strategy

    p = make_params(params)
    check_candles(candles)
    strategy_cls = load_strategy(code)
    log.info("backtest job: %d candles, mode %s", len(candles), p.mode)
    return run_backtest(candles, strategy_cls, p, progress=report_progress,
                        strategy_params=strategy_params)
