"""The ``positions`` table: the live state of each active strategy's position.

One open row per active strategy at most (spot, long only): quantity, entry, SL/TP levels,
how they are enforced (« native » exchange orders or « engine » checks) and their order ids,
last price and unrealised P&L. Closing writes the realised P&L (fees included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from aristobot.core.strategy_api import Position
from aristobot.db.models import PositionRow, TradeRow


@dataclass(frozen=True, slots=True)
class PositionView:
    id: int
    user_id: int
    broker_id: int | None
    active_strategy_id: int | None
    symbol: str
    side: str
    quantity: Decimal
    entry_price: Decimal
    current_price: Decimal | None
    stop_loss: Decimal | None
    take_profit: Decimal | None
    unrealized_pnl: Decimal | None
    status: str
    protection: str | None
    stop_loss_order_id: str | None
    take_profit_order_id: str | None
    entry_trade_id: int | None
    opened_at: datetime
    closed_at: datetime | None
    realized_pnl: Decimal | None
    close_reason: str | None

    def as_strategy_position(self) -> Position:
        """What the strategy sees (floats, absolute SL/TP prices)."""
        return Position(self.side, float(self.quantity), float(self.entry_price),
                        self.opened_at,
                        float(self.stop_loss) if self.stop_loss is not None else None,
                        float(self.take_profit) if self.take_profit is not None else None)


def _view(r: PositionRow) -> PositionView:
    return PositionView(r.id, r.user_id, r.broker_id, r.active_strategy_id, r.symbol, r.side,
                        r.quantity, r.entry_price, r.current_price, r.stop_loss, r.take_profit,
                        r.unrealized_pnl, r.status, r.protection, r.stop_loss_order_id,
                        r.take_profit_order_id, r.entry_trade_id, r.opened_at, r.closed_at,
                        r.realized_pnl, r.close_reason)


def open_position(s: Session, active_strategy_id: int) -> PositionView | None:
    """The open position of an active strategy (engine side: not user-scoped)."""
    row = s.scalar(select(PositionRow).where(PositionRow.active_strategy_id == active_strategy_id,
                                             PositionRow.status == "open"))
    return _view(row) if row is not None else None


def all_open(s: Session) -> list[PositionView]:
    """Every open strategy position (the engine's protection loop)."""
    q = select(PositionRow).where(PositionRow.status == "open",
                                  PositionRow.active_strategy_id.is_not(None))
    return [_view(r) for r in s.scalars(q.order_by(PositionRow.id))]


def user_positions(s: Session, user_id: int, active_strategy_id: int | None = None,
                   status: str | None = "open") -> list[PositionView]:
    q = select(PositionRow).where(PositionRow.user_id == user_id)
    if active_strategy_id is not None:
        q = q.where(PositionRow.active_strategy_id == active_strategy_id)
    if status is not None:
        q = q.where(PositionRow.status == status)
    return [_view(r) for r in s.scalars(q.order_by(PositionRow.id))]


def create(s: Session, *, user_id: int, broker_id: int, strategy_id: int, active_strategy_id: int,
           symbol: str, quantity: Decimal, entry_price: Decimal, stop_loss: Decimal | None,
           take_profit: Decimal | None, protection: str, entry_trade_id: int | None,
           opened_at: datetime) -> PositionView:
    row = PositionRow(user_id=user_id, broker_id=broker_id, strategy_id=strategy_id,
                      active_strategy_id=active_strategy_id, symbol=symbol, side="long",
                      quantity=quantity, entry_price=entry_price, current_price=entry_price,
                      stop_loss=stop_loss, take_profit=take_profit, unrealized_pnl=Decimal(0),
                      status="open", protection=protection, entry_trade_id=entry_trade_id,
                      opened_at=opened_at)
    s.add(row)
    s.flush()
    return _view(row)


def update(s: Session, position_id: int, **fields: object) -> None:
    row = s.get(PositionRow, position_id)
    if row is not None:
        for k, v in fields.items():
            setattr(row, k, v)


def mark_price(s: Session, position_id: int, price: Decimal) -> None:
    """Record the last price and the unrealised P&L (before exit fees)."""
    row = s.get(PositionRow, position_id)
    if row is not None and row.status == "open":
        row.current_price = price
        row.unrealized_pnl = (price - row.entry_price) * row.quantity


def close(s: Session, position_id: int, *, exit_trade_id: int | None, exit_price: Decimal,
          exit_fee: Decimal, reason: str, now: datetime) -> Decimal | None:
    """Close the position; write the realised P&L on it and on the exit trade; return it."""
    row = s.get(PositionRow, position_id)
    if row is None or row.status != "open":
        return None
    entry_fee = Decimal(0)
    if row.entry_trade_id is not None:
        entry = s.get(TradeRow, row.entry_trade_id)
        entry_fee = (entry.fee or Decimal(0)) if entry is not None else Decimal(0)
    pnl = (exit_price - row.entry_price) * row.quantity - entry_fee - exit_fee
    row.status, row.closed_at, row.close_reason = "closed", now, reason
    row.current_price, row.unrealized_pnl, row.realized_pnl = exit_price, Decimal(0), pnl
    if exit_trade_id is not None:
        trade = s.get(TradeRow, exit_trade_id)
        if trade is not None:
            trade.profit_loss = pnl
    return pnl
