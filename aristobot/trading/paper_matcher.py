"""Paper limit orders follow the market: matched on every closed 1m heartbeat candle.

``serve(runtime)`` subscribes to ``Channels.HEARTBEAT``; on each 1m signal it matches the
open paper orders of every broker that has some, then brings their ``trades`` rows up to
date (which publishes ``Channels.TRADES``), so a limit order fills without anyone opening
the trading page.

The paper broker itself is a simulated exchange (:mod:`aristobot.exchanges.paper`); deciding
when its orders are matched and journaling the fills is trading logic, hence this module.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from aristobot.brokers.connections import get_manager
from aristobot.bus import Channels
from aristobot.db.models import BrokerRow, PaperOrderRow
from aristobot.errors import AristobotError
from aristobot.exchanges.catalog import PAPER
from aristobot.runtime import Runtime
from aristobot.trading.service import ManualTrading

log = logging.getLogger(__name__)
SIGNAL_TIMEFRAME = "1m"


def brokers_with_open_orders(runtime: Runtime) -> list[tuple[int, int]]:
    """(user id, broker id) of every paper broker with an open order."""
    q = (select(BrokerRow.user_id, BrokerRow.id)
         .join(PaperOrderRow, PaperOrderRow.broker_id == BrokerRow.id)
         .where(PaperOrderRow.status == "open", BrokerRow.exchange == PAPER)
         .distinct().order_by(BrokerRow.id))
    with runtime.sessions() as s:
        return [(u, b) for u, b in s.execute(q).all()]


async def match_all(runtime: Runtime) -> int:
    """Match the open orders of every paper broker; return how many filled.

    One broker's failure is logged and does not stop the others.
    """
    manager = get_manager(runtime)
    trading = ManualTrading(runtime)
    filled = 0
    for user_id, broker_id in brokers_with_open_orders(runtime):
        try:
            handle = await manager.exchange_for(user_id, broker_id)
            filled += await handle.match_paper_orders()
            await trading.sync_open_trades(user_id, broker_id)
        except (AristobotError, SQLAlchemyError):
            # One broker's trouble (no price, its journal unreachable) must not hold back
            # the others' fills; its orders stay open and are matched on the next signal.
            log.exception("paper matching failed for broker %s", broker_id)
    return filled


async def serve(runtime: Runtime, *, ready: asyncio.Event | None = None) -> None:
    """Embedded/engine service: match paper orders on each 1m signal until cancelled.

    ``ready`` is set once subscribed (tests wait on it instead of on time).
    """
    sub = await runtime.bus.subscribe(Channels.HEARTBEAT, maxsize=100)
    if ready is not None:
        ready.set()
    try:
        while True:
            msg = await sub.get()
            if msg.payload.get("timeframe") != SIGNAL_TIMEFRAME:
                continue
            try:
                n = await match_all(runtime)
            except Exception:
                # A long-running loop: a failed round (the database briefly unreachable,
                # a bug in one match) is logged and the next 1m signal retries; open orders
                # stay open, nothing is lost.
                log.exception("paper matcher: matching failed")
                continue
            if n:
                log.info("paper matcher: %d limit order(s) filled", n)
    finally:
        await sub.close()
