"""Heartbeat persistence: candles, signals, the status row and alerts (sessions passed in)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from aristobot.core.aggregator import ClosedCandle
from aristobot.db.models import AlertRow, CandleRow, HeartbeatSignalRow, HeartbeatStatusRow
from aristobot.domain.exchange import MarketRules
from aristobot.domain.timeframe import ms_to_utc
from aristobot.exchanges.market_rules import rules_from_market
from aristobot.exchanges.paper.markets import paper_markets

log = logging.getLogger(__name__)

EXCHANGE = "binance"
SERVICE = "heartbeat"
_CANDLE_KEY = ["exchange", "symbol", "timeframe", "open_time"]


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """A heartbeat signal as stored (and as the page shows it)."""

    signal_type: str
    candle_open_time: datetime
    candle_close_time: datetime
    received_at: datetime
    latency_ms: float | None


def _dec(x: float, places: int) -> Decimal:
    # float64 research values become exact decimals once, at the storage boundary
    return Decimal(f"{x:.{places}f}").normalize()


def candle_values(c: ClosedCandle) -> dict[str, Any]:
    """Return the ``candles`` row values of a closed candle."""
    return {
        "exchange": EXCHANGE,
        "symbol": c.symbol,
        "timeframe": c.timeframe.value,
        "open_time": ms_to_utc(c.open_time_ms),
        "close_time": ms_to_utc(c.close_time_ms),
        "open": _dec(c.open, 8),
        "high": _dec(c.high, 8),
        "low": _dec(c.low, 8),
        "close": _dec(c.close, 8),
        "volume": _dec(c.volume, 10),
    }


def _insert(s: Session, rows: list[dict[str, Any]]) -> Insert:
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(CandleRow).values(rows)
    return sqlite.insert(CandleRow).values(rows)


def save_candles(s: Session, candles: Sequence[ClosedCandle], *, replace: bool = False) -> None:
    """Insert candles; an existing key is kept (``replace=False``) or overwritten (backfill)."""
    rows = [candle_values(c) for c in candles]
    for i in range(0, len(rows), 500):
        stmt: Any = _insert(s, rows[i : i + 500])
        if replace:
            cols = ("close_time", "open", "high", "low", "close", "volume")
            stmt = stmt.on_conflict_do_update(
                index_elements=_CANDLE_KEY, set_={c: stmt.excluded[c] for c in cols}
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=_CANDLE_KEY)
        s.execute(stmt)


def save_signals(s: Session, status_id: int | None, signals: Iterable[SignalRecord]) -> None:
    s.add_all(
        HeartbeatSignalRow(
            heartbeat_status_id=status_id,
            received_at=r.received_at,
            candle_open_time=r.candle_open_time,
            candle_close_time=r.candle_close_time,
            signal_type=r.signal_type,
            latency_ms=r.latency_ms,
        )
        for r in signals
    )


def stream_market_rules(s: Session) -> dict[str, MarketRules]:
    """The rules (tick size, lot step) of the Binance spot markets the stream carries."""
    return {symbol: rules_from_market(m) for symbol, m in paper_markets(s).items()}


def status_row(s: Session) -> HeartbeatStatusRow | None:
    return s.scalar(select(HeartbeatStatusRow).where(HeartbeatStatusRow.service == SERVICE))


def mark_start(s: Session, now: datetime, symbols: list[str]) -> int:
    """Record an application start; return the status row id."""
    row = status_row(s)
    if row is None:
        row = HeartbeatStatusRow(service=SERVICE)
        s.add(row)
    row.last_application_start = now
    row.is_connected = False
    row.is_coherent = None  # unknown until connected and a candle verified
    row.candles_verified = 0
    row.candles_corrected = 0
    row.last_error = None
    row.symbols_monitored = symbols
    s.flush()
    return row.id


def update_status(s: Session, **fields: Any) -> None:
    row = status_row(s)
    if row is None:
        return
    for k, v in fields.items():
        setattr(row, k, v)


def mark_stop(s: Session, now: datetime) -> None:
    """Record an application stop (creating the status row if the start never landed)."""
    row = status_row(s)
    if row is None:
        row = HeartbeatStatusRow(service=SERVICE)
        s.add(row)
    row.last_application_stop = now
    row.is_connected = False


def add_alert(s: Session, kind: str, message: str, context: dict[str, Any]) -> None:
    s.add(AlertRow(user_id=None, kind=kind, message=message, context=context))


def recent_signals(s: Session, signal_type: str, limit: int = 60) -> list[SignalRecord]:
    """Return the newest ``limit`` signals of one timeframe, newest first."""
    rows = s.scalars(
        select(HeartbeatSignalRow)
        .where(HeartbeatSignalRow.signal_type == signal_type)
        .order_by(HeartbeatSignalRow.candle_open_time.desc(), HeartbeatSignalRow.id.desc())
        .limit(limit)
    )
    return [
        SignalRecord(r.signal_type, r.candle_open_time, r.candle_close_time, r.received_at,
                     r.latency_ms)
        for r in rows
    ]


def latencies_since(s: Session, since: datetime | None) -> dict[str, list[float]]:
    """Return every recorded latency per timeframe since ``since`` (the service start)."""
    q = select(HeartbeatSignalRow.signal_type, HeartbeatSignalRow.latency_ms).where(
        HeartbeatSignalRow.latency_ms.is_not(None)
    )
    if since is not None:
        q = q.where(HeartbeatSignalRow.received_at >= since)
    out: dict[str, list[float]] = {}
    for tf, lat in s.execute(q):
        if lat is not None:
            out.setdefault(tf, []).append(float(lat))
    return out
