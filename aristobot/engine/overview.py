"""What the « Trading BOT » page shows, always scoped to one user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from aristobot.db.models import (
    ActiveStrategyRow,
    BrokerRow,
    StrategyDecisionRow,
    StrategyRow,
    TradeRow,
)
from aristobot.engine import positions as pos
from aristobot.engine.selection import state_of


@dataclass(frozen=True, slots=True)
class ActiveOverview:
    id: int
    strategy_name: str
    broker_name: str
    symbol: str
    timeframe: str
    start_date: datetime
    end_date: datetime
    state: str  # French: Active | Suspendue | Arrêtée | Programmée
    position: pos.PositionView | None
    last_decision_at: datetime | None
    last_decision: str | None  # action or status
    last_error: str | None
    broker_id: int = 0


@dataclass(frozen=True, slots=True)
class BotTrade:
    id: int
    created_at: datetime
    side: str
    status: str
    quantity: Decimal
    average_price: Decimal | None
    fee: Decimal | None
    profit_loss: Decimal | None
    error: str | None


def _last_decision(s: Session, active_id: int) -> StrategyDecisionRow | None:
    return s.scalar(select(StrategyDecisionRow)
                    .where(StrategyDecisionRow.active_strategy_id == active_id)
                    .order_by(StrategyDecisionRow.candle_open_time.desc()).limit(1))


def _last_error(s: Session, active_id: int) -> StrategyDecisionRow | None:
    return s.scalar(select(StrategyDecisionRow)
                    .where(StrategyDecisionRow.active_strategy_id == active_id,
                           StrategyDecisionRow.status.in_(("error", "skipped")))
                    .order_by(StrategyDecisionRow.candle_open_time.desc()).limit(1))


def user_overview(s: Session, user_id: int, now: datetime) -> list[ActiveOverview]:
    """The user's active strategies (newest first) with position and last decision."""
    q = (select(ActiveStrategyRow, StrategyRow.name, BrokerRow.name)
         .join(StrategyRow, StrategyRow.id == ActiveStrategyRow.strategy_id)
         .join(BrokerRow, BrokerRow.id == ActiveStrategyRow.broker_id)
         .where(ActiveStrategyRow.user_id == user_id)
         .order_by(ActiveStrategyRow.id.desc()))
    out = []
    for a, sname, bname in s.execute(q).all():
        opened = pos.user_positions(s, user_id, a.id)
        last, err = _last_decision(s, a.id), _last_error(s, a.id)
        label = None
        if last is not None:
            label = last.action if last.status == "decided" else last.status
        out.append(ActiveOverview(
            a.id, sname, bname, a.symbol, a.timeframe, a.start_date, a.end_date,
            state_of(a.is_active, a.start_date, a.end_date, now), opened[0] if opened else None,
            last.candle_open_time if last is not None else None, label,
            err.reason if err is not None else None, a.broker_id))
    return out


def bot_trades(s: Session, user_id: int, active_id: int, limit: int = 10) -> list[BotTrade]:
    """The last ``limit`` trades of one of the user's active strategies, newest first."""
    q = (select(TradeRow).where(TradeRow.user_id == user_id,
                                TradeRow.active_strategy_id == active_id)
         .order_by(TradeRow.created_at.desc(), TradeRow.id.desc()).limit(limit))
    return [BotTrade(t.id, t.created_at, t.side, t.status, t.filled_quantity, t.average_price,
                     t.fee, t.profit_loss, t.error) for t in s.scalars(q)]
