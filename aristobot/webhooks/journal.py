"""Reading the webhook log: a user's received requests with the order each one produced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from aristobot.db.models import TradeRow, WebhookRow

STATUSES = ("accepted", "processing", "done", "failed", "duplicate", "invalid", "rejected")


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    created_at: datetime
    source: str
    client_ip: str | None
    raw_body: str
    status: str
    error: str | None
    trade_id: int | None
    trade_status: str | None
    trade_side: str | None
    trade_symbol: str | None
    trade_quantity: Decimal | None
    trade_error: str | None
    trade_broker_id: int | None = None
    trade_price: Decimal | None = None  # the average fill price, else the limit price


@dataclass(frozen=True, slots=True)
class LogFilter:
    source_id: int | None = None
    status: str | None = None
    text: str = ""


def _filtered(q: Select[Any], user_id: int, f: LogFilter) -> Select[Any]:
    q = q.where(WebhookRow.user_id == user_id)
    if f.source_id is not None:
        q = q.where(WebhookRow.source_id == f.source_id)
    if f.status:
        q = q.where(WebhookRow.status == f.status)
    if f.text.strip():
        like = f"%{f.text.strip()}%"
        q = q.where(or_(WebhookRow.raw_body.ilike(like), WebhookRow.error.ilike(like),
                        WebhookRow.source.ilike(like)))
    return q


def webhook_log(s: Session, user_id: int, f: LogFilter = LogFilter(), *, offset: int = 0,
                limit: int = 25) -> tuple[list[LogEntry], int]:
    """Return one page of the user's log (newest first) and the number of matching rows."""
    total = s.scalar(_filtered(select(func.count(WebhookRow.id)), user_id, f))
    q = _filtered(select(WebhookRow), user_id, f)
    q = q.order_by(WebhookRow.id.desc()).offset(offset).limit(limit)
    rows: list[WebhookRow] = list(s.scalars(q))
    trades: dict[int, TradeRow] = {}
    if rows:
        tq = select(TradeRow).where(TradeRow.user_id == user_id,
                                    TradeRow.webhook_id.in_([r.id for r in rows]))
        trades = {t.webhook_id: t for t in s.scalars(tq) if t.webhook_id is not None}
    out = []
    for r in rows:
        t = trades.get(r.id)
        out.append(LogEntry(r.id, r.created_at, r.source, r.client_ip, r.raw_body, r.status,
                            r.error, t.id if t else None, t.status if t else None,
                            t.side if t else None, t.symbol if t else None,
                            t.quantity if t else None, t.error if t else None,
                            t.broker_id if t else None,
                            (t.average_price or t.price) if t else None))
    return out, int(total or 0)
