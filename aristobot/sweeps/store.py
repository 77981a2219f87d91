"""Store, list, reopen and delete parameter sweeps (always scoped to one user).

A stored sweep is self-contained like a stored backtest: the strategy code is snapshotted,
the searched space, constraints and settings are kept, and so is every finished run (its
parameters and statistics), the best parameters, the overfitting verdict and, when one was
run, the walk-forward report. A run's full result (trades, chart) is rebuilt on demand by
backtesting its parameters again on the stored candles.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aristobot.backtest.results_store import jsonable
from aristobot.db.models import SweepRow
from aristobot.errors import NotFound, ValidationError
from aristobot.sweeps import messages as msg

log = logging.getLogger(__name__)

METHODS = ("grid", "random")
STATUSES = ("done", "cancelled")
MAX_STORED_RUNS = 20_000


@dataclass(frozen=True, slots=True)
class SweepInfo:
    """What was searched (the request side of a sweep)."""

    strategy_name: str
    strategy_code: str
    exchange: str
    symbol: str
    timeframe: str
    start: datetime
    end: datetime
    method: str
    objective: str
    space: dict[str, Any]
    constraints: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)  # amount, fees, cap, seed…
    strategy_id: int | None = None


@dataclass(frozen=True, slots=True)
class SweepOutcome:
    """What came back: ``runs`` are ``{"params": {...}, "stats": {...}, ...}`` dicts."""

    status: str
    runs: list[dict[str, Any]]
    planned_runs: int
    best_params: dict[str, Any] | None = None
    verdict: dict[str, Any] | None = None
    walk_forward: dict[str, Any] | None = None
    lookahead_flagged: bool = False


@dataclass(frozen=True, slots=True)
class SweepSummary:
    """One line of the « sweeps passés » list."""

    id: int
    label: str
    strategy_name: str
    symbol: str
    timeframe: str
    start: datetime
    end: datetime
    method: str
    objective: str
    status: str
    planned_runs: int
    finished_runs: int
    best_params: dict[str, Any] | None
    verdict_text: str
    lookahead_flagged: bool
    created_at: datetime
    walk_forward: bool = False  # a walk-forward analysis (else a plain sweep)


@dataclass(frozen=True, slots=True)
class StoredSweep:
    summary: SweepSummary
    info: SweepInfo
    outcome: SweepOutcome


def save_sweep(session: Session, user_id: int, info: SweepInfo, outcome: SweepOutcome) -> int:
    """Store a sweep of ``user_id``; return its id (a French ``ValidationError`` if unusable)."""
    _check(info, outcome)
    row = SweepRow(
        user_id=user_id, strategy_id=info.strategy_id, strategy_name=info.strategy_name[:64],
        strategy_code=info.strategy_code, exchange=info.exchange, symbol=info.symbol,
        timeframe=info.timeframe, start_date=info.start, end_date=info.end,
        method=info.method, objective=info.objective, status=outcome.status,
        space=jsonable(info.space), constraints=[str(c) for c in info.constraints],
        settings=jsonable(info.settings), runs=jsonable(outcome.runs),
        best_params=jsonable(outcome.best_params), verdict=jsonable(outcome.verdict),
        walk_forward=jsonable(outcome.walk_forward), planned_runs=int(outcome.planned_runs),
        finished_runs=len(outcome.runs), lookahead_flagged=bool(outcome.lookahead_flagged),
    )
    session.add(row)
    session.flush()
    log.info("sweep %d stored for user %d (%d runs)", row.id, user_id, len(outcome.runs))
    return int(row.id)


def list_sweeps(session: Session, user_id: int, limit: int = 200) -> list[SweepSummary]:
    """Return the user's sweeps, newest first."""
    stmt = (select(SweepRow).where(SweepRow.user_id == user_id)
            .order_by(SweepRow.created_at.desc(), SweepRow.id.desc()).limit(limit))
    return [_summary(r) for r in session.scalars(stmt)]


def load_sweep(session: Session, user_id: int, sweep_id: int) -> StoredSweep:
    """Reopen one of the user's sweeps (``NotFound`` for anybody else's)."""
    row = _row(session, user_id, sweep_id)
    info = SweepInfo(row.strategy_name, row.strategy_code, row.exchange, row.symbol,
                     row.timeframe, row.start_date, row.end_date, row.method, row.objective,
                     dict(row.space), list(row.constraints), dict(row.settings),
                     row.strategy_id)
    outcome = SweepOutcome(row.status, list(row.runs), row.planned_runs, row.best_params,
                           row.verdict, row.walk_forward, row.lookahead_flagged)
    return StoredSweep(_summary(row), info, outcome)


def delete_sweep(session: Session, user_id: int, sweep_id: int) -> None:
    """Delete one of the user's sweeps."""
    _row(session, user_id, sweep_id)
    session.execute(delete(SweepRow).where(SweepRow.id == sweep_id,
                                           SweepRow.user_id == user_id))


def _check(info: SweepInfo, outcome: SweepOutcome) -> None:
    checks = (
        (info.method in METHODS, msg.METHOD_UNKNOWN.format(method=info.method)),
        (outcome.status in STATUSES, msg.STATUS_UNKNOWN.format(status=outcome.status)),
        (bool(info.space), msg.SPACE_EMPTY),
        (info.end > info.start, msg.DATES_ORDER),
        (len(outcome.runs) <= MAX_STORED_RUNS,
         msg.TOO_MANY_RUNS.format(limit=MAX_STORED_RUNS)),
        (outcome.planned_runs >= len(outcome.runs), msg.RUNS_OVER_PLAN),
        (all(isinstance(r, dict) and isinstance(r.get("params"), dict) for r in outcome.runs),
         msg.RUN_WITHOUT_PARAMS),
    )
    for ok, reason in checks:
        if not ok:
            raise ValidationError(reason=reason)


def _row(session: Session, user_id: int, sweep_id: int) -> SweepRow:
    row = session.get(SweepRow, sweep_id)
    if row is None or row.user_id != user_id:
        raise NotFound(what=f"Sweep n° {sweep_id}")
    return row


def _summary(row: SweepRow) -> SweepSummary:
    verdict = row.verdict or {}
    label = (f"#{row.id} {row.strategy_name} {row.symbol} {row.timeframe} "
             f"{row.start_date:%Y-%m-%d}→{row.end_date:%Y-%m-%d}")
    return SweepSummary(row.id, label, row.strategy_name, row.symbol, row.timeframe,
                        row.start_date, row.end_date, row.method, row.objective, row.status,
                        row.planned_runs, row.finished_runs, row.best_params,
                        str(verdict.get("text", "")), row.lookahead_flagged, row.created_at,
                        row.walk_forward is not None)
