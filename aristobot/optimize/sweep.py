"""``run_sweep``: backtest many parameter points on Dask, rank them, judge the best.

Each point is one unchanged backtest (``run_backtest`` with the strategy's ``params``
overridden, its look-ahead check included). Rows stream back with progress; the best row by the
objective is judged by the overfitting guard (DSR over all finished trials, PBO by CSCV on the
returns matrix) and a French verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from aristobot.core.backtest.types import BacktestParams
from aristobot.core.strategy_api import InvalidParams, check_param_value, declared_params
from aristobot.errors import ValidationError
from aristobot.optimize import messages as msg
from aristobot.optimize.engine import CancelFlag, Runner
from aristobot.optimize.overfitting import (
    dsr_of_trials,
    probability_of_backtest_overfitting,
    verdict,
)
from aristobot.optimize.results import (
    SweepResult,
    SweepRow,
    check_objective,
    objective_value,
    rank_key,
)
from aristobot.optimize.run import DEFAULT_SAMPLES, MAX_SAMPLES
from aristobot.optimize.space import DEFAULT_CAP
from aristobot.optimize.tasks import Outcome

if TYPE_CHECKING:
    from distributed import Client

    from aristobot.config import Settings

ProgressCallback = Callable[[int, int, SweepRow], None]
#: Partitions of the CSCV (fewer when the returns are short).
PBO_PARTITIONS = 16
#: Limits of one sandboxed run when no settings are given (the settings' defaults).
SANDBOX_MEMORY_MB = 1024
RUN_TIMEOUT_S = 900.0


def strategy_declaration(strategy: str | type) -> dict[str, Any]:
    """Return the parameters ``strategy`` declares, from its source without running it
    (or from the class); raise ``ValidationError`` (French) if the code does not validate."""
    if isinstance(strategy, str):
        from aristobot.core.strategy_validator import parse_params

        try:
            return dict(parse_params(strategy))
        except ValueError as e:
            raise ValidationError(reason=msg.STRATEGY_INVALID.format(why=e)) from None
    try:
        return declared_params(strategy)
    except InvalidParams as e:
        raise ValidationError(reason=str(e)) from None


def check_points(points: Sequence[Mapping[str, Any]], declared: Mapping[str, Any],
                 cap: int = DEFAULT_CAP) -> list[dict[str, Any]]:
    """Return the points as typed dicts; raise ``ValidationError`` (French) when one names
    an undeclared parameter or holds a value of the wrong type, or there are none / too many."""
    if not points:
        raise ValidationError(reason=msg.NO_POINTS)
    if len(points) > cap:
        raise ValidationError(reason=msg.POINTS_OVER_CAP.format(count=len(points), cap=cap))
    out = []
    for point in points:
        unknown = sorted(set(point) - set(declared))
        if unknown:
            known = ", ".join(sorted(declared)) or msg.NONE_DECLARED
            raise ValidationError(reason=msg.UNDECLARED.format(unknown=", ".join(unknown),
                                                               known=known))
        try:
            out.append({k: check_param_value(k, declared[k], v) for k, v in point.items()})
        except InvalidParams as e:
            raise ValidationError(reason=str(e)) from None
    return out


def make_row(index: int, point: dict[str, Any], outcome: Outcome, objective: str) -> SweepRow:
    """Turn a task's outcome into a ``SweepRow``."""
    status, value = outcome
    if status != "ok":
        text = value if isinstance(value, str) else msg.POINT_NOT_RUN
        return SweepRow(index, point, None, {}, 0, None, error=text)
    return SweepRow(index, point, objective_value(value.stats, objective), value.stats,
                    value.trades, value.lookahead_ok, None, value.returns)


def overfitting_guard(rows: Sequence[SweepRow], maximize: bool,
                      flagged: bool) -> tuple[float | None, float | None, str]:
    """Return (DSR of the best row, PBO, French verdict) over the rows that have returns."""
    usable = [r for r in rows if r.error is None and r.objective is not None
              and bool(np.isfinite(r.returns).all())]
    lengths = {r.returns.size for r in usable}
    if len(usable) < 2 or len(lengths) != 1 or lengths.pop() < 4:
        return None, None, verdict(None, None, len(usable), flagged=flagged)
    matrix = np.column_stack([r.returns for r in usable])
    best = min(range(len(usable)), key=lambda i: rank_key(usable[i], maximize))
    dsr = dsr_of_trials(matrix, best)
    partitions = min(PBO_PARTITIONS, (matrix.shape[0] // 2) // 2 * 2)
    pbo = None
    if partitions >= 2:
        try:
            pbo = probability_of_backtest_overfitting(matrix, partitions).pbo
        except ValidationError:
            pbo = None
    return dsr, pbo, verdict(dsr, pbo, len(usable), flagged=flagged)


def run_sweep(strategy: str | type, candles: pd.DataFrame,
              points: Sequence[Mapping[str, Any]], objective: str = "sharpe", *,
              backtest: BacktestParams | None = None, client: Client | None = None,
              settings: Settings | None = None, isolation: str = "sandbox",
              owner: int | None = None, on_progress: ProgressCallback | None = None,
              cancel: CancelFlag | None = None, samples: int = DEFAULT_SAMPLES,
              cap: int = DEFAULT_CAP) -> SweepResult:
    """Backtest every point and return the ranked, judged ``SweepResult``.

    See ``aristobot.optimize`` for the contract of each argument.
    """
    maximize = check_objective(objective)
    typed = check_points(points, strategy_declaration(strategy), cap)
    if not 2 <= int(samples) <= MAX_SAMPLES:
        raise ValidationError(reason=msg.SAMPLES_RANGE.format(limit=MAX_SAMPLES))
    runner = _runner(strategy, candles, backtest, client, settings, isolation, owner, samples,
                     cancel)
    try:
        index: dict[Any, int] = {runner.submit(p).key: i for i, p in enumerate(typed)}
        rows: list[SweepRow] = []
        for future, outcome in runner.outcomes():
            i = index[future.key]
            if outcome[0] == "cancelled":
                continue
            row = make_row(i, typed[i], outcome, objective)
            rows.append(row)
            if on_progress is not None:
                on_progress(len(rows), len(typed), row)
    finally:
        runner.close()
    return finish_sweep(objective, maximize, rows, typed, runner.cancelled,
                        {"isolation": isolation, "bars": len(runner.frame)})


def finish_sweep(objective: str, maximize: bool, rows: list[SweepRow],
                 points: list[dict[str, Any]], cancelled: bool,
                 meta: dict[str, Any]) -> SweepResult:
    """Sort the rows, list the points that did not run and apply the overfitting guard."""
    rows.sort(key=lambda r: r.index)
    done = {r.index for r in rows}
    missing = [p for i, p in enumerate(points) if i not in done]
    flagged = any(r.flagged for r in rows)
    dsr, pbo, text = overfitting_guard(rows, maximize, flagged)
    return SweepResult(objective, maximize, rows, len(points), cancelled or bool(missing),
                       missing, dsr, pbo, text, meta)


def _runner(strategy: str | type, candles: pd.DataFrame, backtest: BacktestParams | None,
            client: Client | None, settings: Settings | None, isolation: str,
            owner: int | None, samples: int, cancel: CancelFlag | None) -> Runner:
    from aristobot.optimize.cluster import client_for

    if client is None:
        client = client_for(settings)
    memory_mb, timeout_s = SANDBOX_MEMORY_MB, RUN_TIMEOUT_S
    if settings is not None:
        memory_mb, timeout_s = settings.strategy_memory_mb, float(settings.backtest_max_s)
    return Runner(client, strategy, candles, backtest=backtest or BacktestParams(),
                  isolation=isolation, owner=owner, samples=int(samples), memory_mb=memory_mb,
                  timeout_s=timeout_s, cancel=cancel)
