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
from aristobot.engine import positions as pos
from aristobot.engine.alerts import raise_alert
from aristobot.engine.execution import ExchangeFor, Executor
from aristobot.engine.selection import ActiveSpec, get_spec
from aristobot.errors import AristobotError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Check:
    position_id: int
    price: Decimal | None
    action: str  # none | stop_loss | take_profit | alert
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
                text = e.user_message() if isinstance(e, AristobotError) else type(e).__name__
                await raise_alert(self.sessions, self.bus, p.user_id, "engine.protection",
                                  f"Surveillance SL/TP de la position {p.symbol} impossible : "
                                  f"{text}", position_id=p.id)
                out.append(Check(p.id, None, "alert", text))
        return out

    async def _check(self, p: pos.PositionView) -> Check:
        assert p.active_strategy_id is not None and p.broker_id is not None
        with self.sessions() as s:
            spec = get_spec(s, p.user_id, p.active_strategy_id)
        ex = await self.exchange_for(p.user_id, p.broker_id)
        ticker = await ex.fetch_ticker(p.symbol)
        price = Decimal(str(ticker.get("last") or ticker.get("close")))
        with self.sessions.begin() as s:
            pos.mark_price(s, p.id, price)
        hit = triggered(p, price) if p.protection != "native" else None
        if hit is None:
            if p.protection == "native":
                return await self._watch_native(spec, p, price)
            return Check(p.id, price, "none")
        await self.executor.exit(spec, p, hit)
        return Check(p.id, price, hit)

    async def _watch_native(self, spec: ActiveSpec, p: pos.PositionView, price: Decimal
                            ) -> Check:
        ex = await self.exchange_for(p.user_id, spec.broker_id)
        open_ids = {str(o.get("id")) for o in await ex.fetch_open_orders(p.symbol)}
        missing = [oid for oid in (p.stop_loss_order_id, p.take_profit_order_id)
                   if oid and oid not in open_ids]
        if not missing:
            return Check(p.id, price, "none")
        # Fall back to engine-managed levels so the position is never left unprotected.
        with self.sessions.begin() as s:
            pos.update(s, p.id, protection="engine", stop_loss_order_id=None,
                       take_profit_order_id=None)
        await raise_alert(self.sessions, self.bus, p.user_id, "engine.protection",
                          f"Ordre de protection absent sur l'exchange pour {p.symbol} "
                          f"({', '.join(missing)}) : le moteur surveille désormais SL/TP "
                          "lui-même.", position_id=p.id)
        return Check(p.id, price, "alert", ",".join(missing))
