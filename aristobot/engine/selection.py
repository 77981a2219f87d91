"""Active strategies: activation rules (the library's authority) and the engine's selection.

An active strategy is « active » (``is_active`` and now in [start, end]), « suspended »
(``is_active`` false, end still ahead), « finished » (end passed) or « stopped » (made
inactive with an end in the past by « Stop »). Every query is scoped by user, except the
engine's selection which reads all users' strategies (it acts on behalf of each owner).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aristobot.db.models import ActiveStrategyRow, BrokerRow, StrategyRow
from aristobot.engine import messages
from aristobot.errors import LiveStrategyLimit, NotFound, ValidationError
from aristobot.exchanges.catalog import PAPER
from aristobot.exchanges.paper.markets import PRICE_EXCHANGE
from aristobot.strategies.repository import validate_timeframe


@dataclass(frozen=True, slots=True)
class ActiveSpec:
    """What the engine needs to decide for one active strategy."""

    id: int
    user_id: int
    strategy_id: int
    strategy_name: str
    code: str
    window: int
    broker_id: int
    broker_exchange: str  # ccxt id or "paper"
    symbol: str
    timeframe: str
    start_date: datetime
    end_date: datetime

    @property
    def market_exchange(self) -> str:
        """The exchange whose shared ``candles`` this strategy decides on."""
        return PRICE_EXCHANGE if self.broker_exchange == PAPER else self.broker_exchange

    @property
    def is_paper(self) -> bool:
        return self.broker_exchange == PAPER


def _spec(a: ActiveStrategyRow, st: StrategyRow, b: BrokerRow) -> ActiveSpec:
    return ActiveSpec(a.id, a.user_id, st.id, st.name, st.code, st.window_size, b.id, b.exchange,
                      a.symbol, a.timeframe, a.start_date, a.end_date)


def _joined() -> Any:
    return (select(ActiveStrategyRow, StrategyRow, BrokerRow)
            .join(StrategyRow, StrategyRow.id == ActiveStrategyRow.strategy_id)
            .join(BrokerRow, BrokerRow.id == ActiveStrategyRow.broker_id))


def due_strategies(s: Session, timeframe: str, now: datetime) -> list[ActiveSpec]:
    """Strategies to decide on a ``timeframe`` signal at ``now``: active, in their period,
    on that timeframe, with an active broker (all users, ordered by id)."""
    q = _joined().where(ActiveStrategyRow.is_active.is_(True),
                        ActiveStrategyRow.timeframe == timeframe,
                        ActiveStrategyRow.start_date <= now, ActiveStrategyRow.end_date >= now,
                        BrokerRow.is_active.is_(True)).order_by(ActiveStrategyRow.id)
    return [_spec(a, st, b) for a, st, b in s.execute(q).all()]


def running_specs(s: Session, now: datetime) -> list[ActiveSpec]:
    """Every strategy currently active in its period (any timeframe), for reconciliation."""
    q = _joined().where(ActiveStrategyRow.is_active.is_(True),
                        ActiveStrategyRow.start_date <= now, ActiveStrategyRow.end_date >= now)
    return [_spec(a, st, b) for a, st, b in s.execute(q.order_by(ActiveStrategyRow.id)).all()]


def get_spec(s: Session, user_id: int, active_id: int) -> ActiveSpec:
    q = _joined().where(ActiveStrategyRow.id == active_id, ActiveStrategyRow.user_id == user_id)
    row = s.execute(q).first()
    if row is None:
        raise NotFound(what=messages.ACTIVE_STRATEGY)
    return _spec(*row)


def count_live(s: Session, now: datetime, except_id: int | None = None) -> int:
    """Active strategies whose period is not over (all users): the engine's load."""
    q = select(func.count(ActiveStrategyRow.id)).where(
        ActiveStrategyRow.is_active.is_(True), ActiveStrategyRow.end_date >= now)
    if except_id is not None:
        q = q.where(ActiveStrategyRow.id != except_id)
    return int(s.scalar(q) or 0)


def _check_limit(s: Session, now: datetime, limit: int, except_id: int | None = None) -> None:
    if count_live(s, now, except_id) >= limit:
        raise LiveStrategyLimit(limit=limit)


def _owned(s: Session, user_id: int, active_id: int) -> ActiveStrategyRow:
    row = s.scalar(select(ActiveStrategyRow).where(ActiveStrategyRow.id == active_id,
                                                   ActiveStrategyRow.user_id == user_id))
    if row is None:
        raise NotFound(what=messages.ACTIVE_STRATEGY)
    return row


def activate(s: Session, user_id: int, *, strategy_id: int, broker_id: int, symbol: str,
             timeframe: str, start: datetime, end: datetime, now: datetime,
             limit: int) -> int:
    """Create and activate a strategy on a broker/symbol; return its id (French errors)."""
    tf = validate_timeframe(timeframe)
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError(reason=messages.DATES_IN_UTC)
    if end <= start:
        raise ValidationError(reason=messages.END_BEFORE_START)
    if end <= now:
        raise ValidationError(reason=messages.END_IN_THE_PAST)
    symbol = symbol.strip().upper()
    if not symbol or "/" not in symbol or len(symbol) > 32:
        raise ValidationError(reason=messages.invalid_symbol(symbol))
    st = s.scalar(select(StrategyRow).where(StrategyRow.id == strategy_id,
                                            StrategyRow.user_id == user_id))
    if st is None:
        raise NotFound(what="Stratégie")
    b = s.scalar(select(BrokerRow).where(BrokerRow.id == broker_id, BrokerRow.user_id == user_id))
    if b is None:
        raise NotFound(what="Broker")
    if not b.is_active:
        raise ValidationError(reason=messages.broker_disabled(b.name))
    _check_limit(s, now, limit)
    row = ActiveStrategyRow(user_id=user_id, strategy_id=st.id, broker_id=b.id, symbol=symbol,
                            timeframe=tf, start_date=start, end_date=end, is_active=True)
    s.add(row)
    s.flush()
    return row.id


def suspend(s: Session, user_id: int, active_id: int) -> None:
    """« Suspendre »: no more decisions until resumed (the period is kept)."""
    _owned(s, user_id, active_id).is_active = False


def resume(s: Session, user_id: int, active_id: int, now: datetime, limit: int) -> None:
    """« Reprendre » a suspended strategy whose period is not over (limit checked)."""
    row = _owned(s, user_id, active_id)
    if row.end_date <= now:
        raise ValidationError(reason=messages.PERIOD_OVER)
    if not row.is_active:
        _check_limit(s, now, limit, except_id=row.id)
        row.is_active = True


def stop(s: Session, user_id: int, active_id: int, now: datetime) -> None:
    """« Stop » (secure deactivation): inactive and end date in the past."""
    row = _owned(s, user_id, active_id)
    row.is_active = False
    if row.end_date > now:
        row.end_date = now


def state_of(is_active: bool, start: datetime, end: datetime, now: datetime) -> str:
    """The French state label shown on the page."""
    if end <= now:
        return "Arrêtée"
    if not is_active:
        return "Suspendue"
    return "Active" if start <= now else "Programmée"
