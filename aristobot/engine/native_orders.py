"""Exchange-native stop-loss orders (where CCXT can place them), journaled in ``trades``.

A long spot position gets one stop-loss-limit sell on the exchange (limit 0.5 % under the
stop, so a fast fall still fills); the take profit stays engine-managed, since two sell
orders for the same quantity cannot both be open on a spot account without an OCO list.
The paper broker has none: its positions are engine-managed.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from aristobot.domain.exchange import Order
from aristobot.engine.selection import ActiveSpec
from aristobot.errors import AristobotError, OrderNotFound
from aristobot.exchanges.handle import ExchangeHandle, new_client_order_id
from aristobot.trading import trades as journal

log = logging.getLogger(__name__)
LIMIT_BELOW_STOP = Decimal("0.995")


def supports_native_stop(ex: ExchangeHandle, spec: ActiveSpec) -> bool:
    return not spec.is_paper and ex.supports("createStopLossOrder")


async def place_stop_loss(sessions: sessionmaker[Session], ex: ExchangeHandle,
                          spec: ActiveSpec, quantity: Decimal, stop: Decimal) -> str:
    """Place the stop loss; return its exchange order id (raise a French error)."""
    qty = ex.amount_to_precision(spec.symbol, quantity)
    stop_px = ex.price_to_precision(spec.symbol, stop)
    limit_px = ex.price_to_precision(spec.symbol, stop * LIMIT_BELOW_STOP)
    cid = new_client_order_id()
    with sessions.begin() as s:
        trade_id = journal.record_attempt(
            s, user_id=spec.user_id, broker_id=spec.broker_id, exchange=spec.broker_exchange,
            symbol=spec.symbol, side="sell", order_type="stop_loss", quantity=qty,
            price=limit_px, quote_amount=None, client_order_id=cid, source="strategy",
            active_strategy_id=spec.id, strategy_id=spec.strategy_id)
    try:
        order = await ex.create_order(spec.symbol, "limit", "sell", qty, limit_px,
                                      {"stopLossPrice": float(stop_px)}, client_order_id=cid)
    except AristobotError as e:
        with sessions.begin() as s:
            journal.mark_failed(s, spec.user_id, trade_id, "rejected", e.user_message())
        raise
    with sessions.begin() as s:
        journal.apply_order(s, spec.user_id, trade_id, order)
    return str(order.id)


async def cancel_quietly(ex: ExchangeHandle, order_id: str, symbol: str) -> None:
    """Cancel a protective order before selling; one already gone is fine."""
    try:
        await ex.cancel_order(order_id, symbol)
    except OrderNotFound:
        log.info("protective order %s already gone", order_id)


async def order_state(ex: ExchangeHandle, order_id: str, symbol: str) -> Order | None:
    """The exchange's view of a protective order, None when unknown to it."""
    try:
        return await ex.fetch_order(order_id, symbol)
    except OrderNotFound:
        return None
