"""The ``trades`` journal: every order attempt, failed ones included, scoped by user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from aristobot.db.models import TradeRow
from aristobot.domain.exchange import Order
from aristobot.errors import NotFound

_STATUS = {"closed": "filled", "open": "open", "canceled": "canceled", "cancelled": "canceled",
           "expired": "canceled", "rejected": "rejected"}


@dataclass(frozen=True, slots=True)
class TradeView:
    id: int
    created_at: datetime
    broker_id: int | None
    source: str
    exchange: str
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    price: Decimal | None
    filled_quantity: Decimal
    average_price: Decimal | None
    quote_amount: Decimal | None
    fee: Decimal | None
    fee_currency: str | None
    status: str
    client_order_id: str | None
    exchange_order_id: str | None
    error: str | None


def _view(r: TradeRow) -> TradeView:
    return TradeView(r.id, r.created_at, r.broker_id, r.source, r.exchange, r.symbol, r.side,
                     r.order_type, r.quantity, r.price, r.filled_quantity, r.average_price,
                     r.quote_amount, r.fee, r.fee_currency, r.status, r.client_order_id,
                     r.exchange_order_id, r.error)


def record_attempt(s: Session, *, user_id: int, broker_id: int, exchange: str, symbol: str,
                   side: str, order_type: str, quantity: Decimal, price: Decimal | None,
                   quote_amount: Decimal | None, client_order_id: str, source: str = "manual",
                   webhook_id: int | None = None, stop_loss: Decimal | None = None,
                   take_profit: Decimal | None = None, active_strategy_id: int | None = None,
                   strategy_id: int | None = None) -> int:
    """Store an attempt before it is sent (status « pending »); return its id.

    Text fields are cut to their column size: a malformed request is journaled too.
    """
    row = TradeRow(user_id=user_id, broker_id=broker_id, source=source, exchange=exchange[:32],
                   symbol=symbol[:32], side=side[:8], order_type=order_type[:16],
                   quantity=quantity,
                   price=price, quote_amount=quote_amount, status="pending",
                   client_order_id=client_order_id, webhook_id=webhook_id,
                   stop_loss=stop_loss, take_profit=take_profit,
                   active_strategy_id=active_strategy_id, strategy_id=strategy_id)
    s.add(row)
    s.flush()
    return row.id


def order_status(order: Order) -> str:
    """The journal status of an exchange order (« open » when unknown)."""
    return _STATUS.get(order.status, "open")


def _row(s: Session, user_id: int, trade_id: int) -> TradeRow:
    row = s.scalar(select(TradeRow).where(TradeRow.id == trade_id, TradeRow.user_id == user_id))
    if row is None:
        raise NotFound(what="Trade")
    return row


def apply_order(s: Session, user_id: int, trade_id: int, order: Order) -> TradeView:
    """Copy an exchange order into the trade row (its raw answer kept for the audit)."""
    row = _row(s, user_id, trade_id)
    row.status = order_status(order)
    row.exchange_order_id = order.id
    row.filled_quantity = order.filled
    row.average_price = order.average
    if order.cost:
        row.quote_amount = order.cost
    row.fee, row.fee_currency = order.fee, order.fee_currency
    row.raw = {**order.raw, "status": order.status}
    row.error = None
    s.flush()
    return _view(row)


def mark_failed(s: Session, user_id: int, trade_id: int, status: str, error: str) -> TradeView:
    """Record why an attempt failed (« rejected » by rules/exchange, or « error »)."""
    row = _row(s, user_id, trade_id)
    row.status, row.error = status, error
    s.flush()
    return _view(row)


def recent_trades(s: Session, user_id: int, *, broker_id: int | None = None,
                  limit: int = 50) -> list[TradeView]:
    q = select(TradeRow).where(TradeRow.user_id == user_id)
    if broker_id is not None:
        q = q.where(TradeRow.broker_id == broker_id)
    q = q.order_by(TradeRow.created_at.desc(), TradeRow.id.desc()).limit(limit)
    return [_view(r) for r in s.scalars(q)]


def open_trades(s: Session, user_id: int, broker_id: int) -> list[TradeView]:
    q = select(TradeRow).where(TradeRow.user_id == user_id, TradeRow.broker_id == broker_id,
                               TradeRow.status.in_(("open", "pending")))
    return [_view(r) for r in s.scalars(q.order_by(TradeRow.id))]


def trade_by_order(s: Session, user_id: int, broker_id: int, exchange_order_id: str
                   ) -> int | None:
    q = select(TradeRow.id).where(TradeRow.user_id == user_id, TradeRow.broker_id == broker_id,
                                  TradeRow.exchange_order_id == exchange_order_id)
    return s.scalar(q)
