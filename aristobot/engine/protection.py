"""Protective orders: every minute, independently of signals, open positions are checked.

Engine-managed positions (the paper broker, and any exchange without native stop orders
through CCXT) are compared with the last price: at or below the stop loss, or at or above
the take profit, the position is sold at market (reason « stop_loss » / « take_profit »).
The same pass marks each position to market (unrealised P&L) and, for positions protected
by native exchange orders, verifies that those orders still exist: a missing one is
re-placed when possible, otherwise an alert is raised.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from aristobot.bus import Bus
from aristobot.domain.exchange import Order
from aristobot.engine import messages
from aristobot.engine import positions as pos
from aristobot.engine.alerts import raise_alert
from aristobot.engine.execution import ExchangeFor, Executor
from aristobot.engine.native_orders import order_state
from aristobot.engine.selection import ActiveSpec, get_spec
from aristobot.errors import NoPriceAvailable, user_text
from aristobot.exchanges.handle import ExchangeHandle
from aristobot.trading import trades as journal

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Check:
    position_id: int
    price: Decimal | None
    action: str  # none | stop_loss | take_profit | replaced | alert
    detail: str = ""


def triggered(p: pos.PositionView, price: Decimal) -> str | None:
    """Which protective level ``price`` reaches (the stop loss wins when both do)."""
    if p.stop_loss is not None and price <= p.stop_loss:
        return "stop_loss"
    if p.take_profit is not None and price >= p.take_profit:
        return "take_profit"
    return None


class Protector:
    """One protection pass over every open strategy position."""

    def __init__(self, sessions: sessionmaker[Session], bus: Bus, executor: Executor,
                 exchange_for: ExchangeFor) -> None:
        self.sessions = sessions
        self.bus = bus
        self.executor = executor
        self.exchange_for = exchange_for

    async def run_once(self) -> list[Check]:
        with self.sessions() as s:
            open_positions = pos.all_open(s)
        out = []
        for p in open_positions:
            try:
                out.append(await self._check(p))
            except Exception as e:  # one position's trouble never stops the others
                log.exception("protection of position %s failed", p.id)
                text = user_text(e)
                await raise_alert(self.sessions, self.bus, p.user_id, "engine.protection",
                                  messages.protection_impossible(p.symbol, text), position_id=p.id)
                out.append(Check(p.id, None, "alert", text))
        return out

    async def _check(self, p: pos.PositionView) -> Check:
        assert p.active_strategy_id is not None and p.broker_id is not None
        with self.sessions() as s:
            spec = get_spec(s, p.user_id, p.active_strategy_id)
        ex = await self.exchange_for(p.user_id, p.broker_id)
        if p.protection == "native" and p.stop_loss_order_id:
            watched = await self._watch_native(ex, spec, p)
            if watched is not None:
                return watched
        price = (await ex.fetch_ticker(p.symbol)).last
        if price is None:
            raise NoPriceAvailable(symbol=p.symbol, reason=messages.no_price_from(ex.name))
        with self.sessions.begin() as s:
            pos.mark_price(s, p.id, price)
        hit = triggered(p, price)
        if hit == "stop_loss" and p.protection == "native":
            hit = None  # the exchange's stop order does it
        if hit is None:
            return Check(p.id, price, "none")
        await self.executor.exit(spec, p, hit)
        return Check(p.id, price, hit)

    async def _watch_native(self, ex: ExchangeHandle, spec: ActiveSpec, p: pos.PositionView
                            ) -> Check | None:
        """None when the stop order is still working; else what was done about it."""
        assert p.stop_loss_order_id is not None
        order = await order_state(ex, p.stop_loss_order_id, p.symbol)
        status = journal.order_status(order) if order is not None else "missing"
        if status == "open":
            return None
        if status == "filled" and order is not None:
            return self._stopped_out(spec, p, order)
        if order is not None:  # cancelled / expired: the journal says so
            with self.sessions.begin() as s:
                trade_id = journal.trade_by_order(s, p.user_id, spec.broker_id,
                                                  str(order.id))
                if trade_id is not None:
                    journal.apply_order(s, p.user_id, trade_id, order)
        replaced = await self.executor.protect(spec, p)
        if replaced is not None:
            await raise_alert(self.sessions, self.bus, p.user_id, "engine.protection",
                              messages.stop_loss_replaced(p.symbol, status,
                                                          replaced.stop_loss_order_id),
                              position_id=p.id)
            return Check(p.id, None, "replaced", p.stop_loss_order_id)
        # Could not re-place: the engine watches the levels so the position stays protected.
        with self.sessions.begin() as s:
            pos.update(s, p.id, protection="engine", stop_loss_order_id=None)
        await raise_alert(self.sessions, self.bus, p.user_id, "engine.protection",
                          messages.protection_lost(p.symbol, p.stop_loss_order_id),
                          position_id=p.id)
        return Check(p.id, None, "alert", p.stop_loss_order_id)

    def _stopped_out(self, spec: ActiveSpec, p: pos.PositionView, order: Order) -> Check:
        """The exchange's stop loss filled: journal it and close the position."""
        with self.sessions.begin() as s:
            trade_id = journal.trade_by_order(s, p.user_id, spec.broker_id,
                                              str(order.id))
            view = (journal.apply_order(s, p.user_id, trade_id, order)
                    if trade_id is not None else None)
            price = order.average or order.price or Decimal(0)
            fee = view.fee if view is not None and view.fee is not None else Decimal(0)
            pos.close(s, p.id, exit_trade_id=trade_id, exit_price=price, exit_fee=fee,
                      reason="stop_loss", now=self.executor.now())
        return Check(p.id, price, "stop_loss", "native")
