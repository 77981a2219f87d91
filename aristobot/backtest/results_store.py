"""Store, list, reopen, compare and delete backtest results (always scoped to one user).

A stored result is self-contained: the strategy code is snapshotted, the trades and the stats
are kept, and the equity curve is kept at a display resolution (the candles themselves stay in
the shared ``candles`` table, so the chart can be redrawn from them).
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aristobot.backtest import messages as msg
from aristobot.core.backtest.types import BacktestResult, TradeRecord
from aristobot.core.downsample import minmax_indices
from aristobot.db.models import BacktestResultRow
from aristobot.errors import NotFound, ValidationError

log = logging.getLogger(__name__)

#: Points of the equity curve kept with a stored result (min/max per bucket: no peak is lost).
EQUITY_POINTS = 4_000


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What was backtested (the request side of a result)."""

    strategy_name: str
    strategy_code: str
    exchange: str
    symbol: str
    timeframe: str
    start: datetime
    end: datetime
    strategy_id: int | None = None
    broker_id: int | None = None


@dataclass(frozen=True, slots=True)
class ResultSummary:
    """One line of the « past results » list."""

    id: int
    label: str
    strategy_name: str
    exchange: str
    symbol: str
    timeframe: str
    start: datetime
    end: datetime
    initial_amount: float
    final_amount: float
    total_return_pct: float | None
    total_trades: int
    win_rate_pct: float | None
    max_drawdown: float
    sharpe_ratio: float | None
    lookahead_ok: bool | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredResult:
    """A reopened result: summary, stats, trades, equity curve and look-ahead report."""

    summary: ResultSummary
    info: RunInfo
    stats: dict[str, Any]
    params: dict[str, Any]
    trades: pd.DataFrame
    equity: pd.Series
    lookahead: dict[str, Any] | None
    extra: dict[str, Any] = field(default_factory=dict)


def save_result(session: Session, user_id: int, info: RunInfo, result: BacktestResult) -> int:
    """Store ``result`` for ``user_id``; return the new result id."""
    if result.cancelled:
        raise ValidationError(reason=msg.CANCELLED_NOT_SAVED)
    stats = jsonable(result.stats)
    trades = [jsonable(asdict(t)) for t in result.trades]
    initial = float(result.params.initial_amount)
    final = float(result.equity.iloc[-1]) if len(result.equity) else initial
    wins = sum(1 for t in result.trades if t.pnl > 0)
    row = BacktestResultRow(
        user_id=user_id,
        strategy_id=info.strategy_id,
        broker_id=info.broker_id,
        strategy_name=info.strategy_name[:64],
        strategy_code=info.strategy_code,
        exchange=info.exchange,
        symbol=info.symbol,
        timeframe=info.timeframe,
        start_date=info.start,
        end_date=info.end,
        initial_amount=Decimal(repr(initial)),
        final_amount=Decimal(repr(round(final, 8))),
        total_trades=len(result.trades),
        winning_trades=wins,
        losing_trades=sum(1 for t in result.trades if t.pnl < 0),  # as the stats: 0 is neither
        max_drawdown=_finite(_stat(stats, "max_drawdown_pct", "max_drawdown")) or 0.0,
        sharpe_ratio=_finite(_stat(stats, "sharpe_ratio", "sharpe")),
        stats={**stats, "equity_curve": equity_preview(result.equity)},
        params={**jsonable(asdict(result.params)), "meta": jsonable(result.meta)},
        trades_detail=trades,
        lookahead_ok=(None if result.lookahead is None or not result.lookahead.verified
                      else bool(result.lookahead.ok)),
        lookahead_report=None if result.lookahead is None else jsonable(asdict(result.lookahead)),
    )
    session.add(row)
    session.flush()
    log.info("backtest result %d stored for user %d (%d trades)", row.id, user_id, len(trades))
    return int(row.id)


def list_results(session: Session, user_id: int, limit: int = 200) -> list[ResultSummary]:
    """Return the user's results, newest first."""
    stmt = (
        select(BacktestResultRow)
        .where(BacktestResultRow.user_id == user_id)
        .order_by(BacktestResultRow.created_at.desc(), BacktestResultRow.id.desc())
        .limit(limit)
    )
    return [_summary(r) for r in session.scalars(stmt)]


def load_result(session: Session, user_id: int, result_id: int) -> StoredResult:
    """Reopen one of the user's results (``NotFound`` for anybody else's)."""
    row = _row(session, user_id, result_id)
    stats = dict(row.stats or {})
    curve = stats.pop("equity_curve", None) or {"t": [], "v": []}
    equity = pd.Series(
        np.asarray(curve["v"], dtype=np.float64),
        index=pd.DatetimeIndex(np.asarray(curve["t"], dtype="datetime64[ms]"), name="open_time")
        .tz_localize("UTC"),
        name="equity",
    )
    params = dict(row.params or {})
    return StoredResult(
        summary=_summary(row),
        info=RunInfo(row.strategy_name, row.strategy_code, row.exchange, row.symbol,
                     row.timeframe, row.start_date, row.end_date, row.strategy_id, row.broker_id),
        stats=stats,
        params=params,
        trades=trades_frame(row.trades_detail or []),
        equity=equity,
        lookahead=row.lookahead_report,
    )


def delete_result(session: Session, user_id: int, result_id: int) -> None:
    """Delete one of the user's results."""
    _row(session, user_id, result_id)
    session.execute(
        delete(BacktestResultRow).where(
            BacktestResultRow.id == result_id, BacktestResultRow.user_id == user_id
        )
    )


def compare_results(session: Session, user_id: int, result_ids: list[int]) -> pd.DataFrame:
    """Return a table with one row per statistic and one column per result (user's only)."""
    if not result_ids:
        raise ValidationError(reason=msg.PICK_A_RESULT)
    columns: dict[str, pd.Series] = {}
    for rid in result_ids:
        stored = load_result(session, user_id, rid)
        values = {k: v for k, v in stored.stats.items() if not isinstance(v, dict | list)}
        columns[stored.summary.label] = pd.Series(values, dtype=object)
    return pd.DataFrame(columns)


def trades_frame(trades: list[dict[str, Any]] | tuple[TradeRecord, ...]) -> pd.DataFrame:
    """Return trades as a DataFrame (UTC datetimes), from records or stored dicts."""
    rows = [asdict(t) if isinstance(t, TradeRecord) else dict(t) for t in trades]
    frame = pd.DataFrame(rows, columns=list(TradeRecord.__dataclass_fields__))
    for col in ("entry_time", "exit_time"):
        frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
    return frame


def equity_preview(equity: pd.Series, points: int = EQUITY_POINTS) -> dict[str, list[float]]:
    """Return the equity curve as ``{"t": [ms], "v": [value]}`` with at most ``points`` points.

    Long curves keep the first/last point and the min and max of each bucket, so drawdowns
    and peaks survive the reduction.
    """
    if len(equity) == 0:
        return {"t": [], "v": []}
    t = equity.index.as_unit("ms").asi8
    v = equity.to_numpy(np.float64)
    if len(v) > points:
        keep = minmax_indices(v, points // 2)
        t, v = t[keep], v[keep]
    return {"t": [int(x) for x in t], "v": [round(float(x), 8) for x in v]}


def jsonable(value: Any) -> Any:
    """Return ``value`` as JSON-safe data (non-finite floats become None, dates ISO text)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating | Decimal):
        return _finite(float(value))
    if isinstance(value, pd.Timestamp | datetime):
        ts = pd.Timestamp(value)
        return (ts.tz_localize(UTC) if ts.tzinfo is None else ts.tz_convert(UTC)).isoformat()
    if isinstance(value, pd.Timedelta | timedelta):
        return pd.Timedelta(value).total_seconds()
    if value is None or isinstance(value, str):
        return value
    if value is pd.NaT:
        return None
    return str(value)


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _stat(stats: dict[str, Any], *names: str) -> Any:
    for name in names:
        if name in stats and stats[name] is not None:
            return stats[name]
    return None


def _row(session: Session, user_id: int, result_id: int) -> BacktestResultRow:
    row = session.get(BacktestResultRow, result_id)
    if row is None or row.user_id != user_id:
        raise NotFound(what=msg.result_named(result_id))
    return row


def _summary(row: BacktestResultRow) -> ResultSummary:
    stats = row.stats or {}
    initial, final = float(row.initial_amount), float(row.final_amount)
    label = (
        f"#{row.id} {row.strategy_name} {row.symbol} {row.timeframe} "
        f"{row.start_date:%Y-%m-%d}→{row.end_date:%Y-%m-%d}"
    )
    total = row.total_trades
    return ResultSummary(
        id=row.id,
        label=label,
        strategy_name=row.strategy_name,
        exchange=row.exchange,
        symbol=row.symbol,
        timeframe=row.timeframe,
        start=row.start_date,
        end=row.end_date,
        initial_amount=initial,
        final_amount=final,
        total_return_pct=_finite(_stat(stats, "total_return_pct"))
        if "total_return_pct" in stats
        else (100.0 * (final / initial - 1.0) if initial else None),
        total_trades=total,
        win_rate_pct=100.0 * row.winning_trades / total if total else None,
        max_drawdown=row.max_drawdown,
        sharpe_ratio=row.sharpe_ratio,
        lookahead_ok=row.lookahead_ok,
        created_at=row.created_at,
    )
