"""Turn an accepted alert into an order, after the HTTP answer.

A webhook row is claimed (« accepted » → « processing ») by one atomic UPDATE, so however many
receivers or restarts there are, an alert is sent at most once. The order goes through
:class:`~aristobot.trading.service.ManualTrading` (client order id, a ``trades`` row for the
attempt, never re-sent blindly) with source « webhook » and the webhook's id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from aristobot.brokers.repository import default_broker, list_brokers
from aristobot.db.models import WebhookRow, WebhookSourceRow
from aristobot.domain.exchange import Market
from aristobot.errors import AristobotError, ValidationError
from aristobot.runtime import Runtime
from aristobot.trading.service import ManualTrading, OrderRequest
from aristobot.webhooks.payload import Alert, parse_alert
from aristobot.webhooks.worker import OrderWorker

log = logging.getLogger(__name__)
DONE_STATUSES = ("filled", "open")
# Orders under way at once: the rest wait their turn, so a burst of alerts never slows the
# answers (TradingView gives up after 3 s); they are placed in arrival order.
MAX_CONCURRENT = 2
# While requests are being answered, an order waits (up to this long) so that the answers get
# the CPU first; alerts at TradingView's usual pace never wait.
YIELD_TO_ANSWERS_S = 0.5


UNCLAIMED_AFTER = timedelta(seconds=60)
NOT_SENT = ("Non traitée : le récepteur s'est arrêté avant l'envoi de l'ordre (aucun ordre "
            "envoyé ; l'alerte n'est pas rejouée plus tard).")


def expire_unclaimed(sessions: sessionmaker[Session], now: datetime | None = None) -> int:
    """Close alerts accepted but never claimed (their receiver stopped): no order, no replay.

    A late order could be worse than none, so they are not sent now; they were never claimed,
    so no order was attempted. Returns how many were closed.
    """
    limit = (now or datetime.now(UTC)) - UNCLAIMED_AFTER
    with sessions.begin() as s:
        done = s.execute(update(WebhookRow)
                         .where(WebhookRow.status == "accepted", WebhookRow.created_at < limit)
                         .values(status="failed", error=NOT_SENT, processed=True,
                                 processed_at=datetime.now(UTC)))
        return int(getattr(done, "rowcount", 0) or 0)


class WebhookProcessor:
    """Places the orders of accepted alerts on an :class:`OrderWorker` beside the receiver."""

    def __init__(self, runtime: Runtime, busy: Callable[[], bool] = lambda: False) -> None:
        self.runtime = runtime  # the receiver's; orders use the worker's copy
        self._busy = busy
        self._worker: OrderWorker | None = None
        self._trading: ManualTrading | None = None
        self._pending: set[Future[None]] = set()
        self._slots: asyncio.Semaphore | None = None
        self._closing = False

    def set_busy(self, busy: Callable[[], bool]) -> None:
        """Tell the processor how to know that requests are being answered."""
        self._busy = busy

    @property
    def trading(self) -> ManualTrading:
        if self._trading is None:
            raise RuntimeError("no order has been dispatched yet")
        return self._trading

    def dispatch(self, webhook_id: int) -> None:
        """Process ``webhook_id`` in the background (call after answering, on the loop)."""
        if self._worker is None:
            self._worker = OrderWorker(self.runtime)
            self._trading = ManualTrading(self._worker.runtime)
        fut = self._worker.submit(self._queued(webhook_id))
        self._pending.add(fut)
        fut.add_done_callback(self._pending.discard)

    async def _queued(self, webhook_id: int) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(MAX_CONCURRENT)
        async with self._slots:
            if self._closing:
                return  # stays « accepted »: closed unsent at the next start
            waited = 0.0
            while self._busy() and waited < YIELD_TO_ANSWERS_S:
                await asyncio.sleep(0.005)
                waited += 0.005
            await self.process(webhook_id)

    async def drain(self) -> None:
        """Wait for the orders under way (used by tests)."""
        while self._pending:
            await asyncio.gather(*(asyncio.wrap_future(f) for f in list(self._pending)),
                                 return_exceptions=True)

    async def aclose(self) -> None:
        """Let the orders under way finish, drop the queued ones, stop the worker (shutdown)."""
        self._closing = True
        await self.drain()
        if self._worker is not None:
            await self._worker.aclose()
            self._worker = None

    def _claim(self, webhook_id: int) -> tuple[int, int | None, dict[str, Any]] | None:
        with self.runtime.sessions.begin() as s:
            claimed = s.execute(update(WebhookRow)
                                .where(WebhookRow.id == webhook_id,
                                       WebhookRow.status == "accepted")
                                .values(status="processing"))
            if getattr(claimed, "rowcount", 0) != 1:
                return None
            row = s.get(WebhookRow, webhook_id)
            if row is None or row.user_id is None:
                return None
            broker_id = None
            if row.source_id is not None:
                broker_id = s.scalar(select(WebhookSourceRow.broker_id)
                                     .where(WebhookSourceRow.id == row.source_id))
            return row.user_id, broker_id, dict(row.payload)

    def _finish(self, webhook_id: int, status: str, error: str | None) -> None:
        with self.runtime.sessions.begin() as s:
            s.execute(update(WebhookRow).where(WebhookRow.id == webhook_id)
                      .values(status=status, error=error, processed=True,
                              processed_at=datetime.now(UTC)))

    async def process(self, webhook_id: int) -> None:
        """Claim the alert, place its order, store the outcome on the webhook row."""
        claimed = self._claim(webhook_id)
        if claimed is None:
            return
        user_id, source_broker, data = claimed
        try:
            alert = parse_alert(data)
            broker_id = self._broker(user_id, alert, source_broker)
            req = await self._request(user_id, broker_id, alert)
            view = await self.trading.place_order(user_id, req, source="webhook",
                                                  webhook_id=webhook_id)
            ok = view.status in DONE_STATUSES
            self._finish(webhook_id, "done" if ok else "failed", view.error)
        except AristobotError as e:
            self._finish(webhook_id, "failed", e.user_message())
        except Exception:
            log.exception("webhook %s: unexpected error", webhook_id)
            self._finish(webhook_id, "failed", "Erreur interne pendant l'envoi de l'ordre.")

    def _broker(self, user_id: int, alert: Alert, source_broker: int | None) -> int:
        with self.runtime.sessions() as s:
            if alert.broker is not None:
                for b in list_brokers(s, user_id):
                    if b.name.lower() == alert.broker.lower():
                        return b.id
                raise ValidationError(reason=f"Broker inconnu : « {alert.broker} ».")
            if source_broker is not None:
                return source_broker
            default = default_broker(s, user_id)
        if default is None:
            raise ValidationError(reason="Aucun broker : choisissez-en un pour la source "
                                         "ou indiquez « broker » dans l'alerte.")
        return default.id

    async def _symbol(self, user_id: int, broker_id: int, raw: str) -> tuple[str, Market]:
        ex = await self.trading.exchange(user_id, broker_id)
        markets = ex.markets
        if raw in markets:
            return raw, markets[raw]
        for sym, market in markets.items():
            if sym.replace("/", "") == raw.replace("/", "") and market.spot:
                return sym, market
        raise ValidationError(reason=f"Symbole inconnu sur {ex.name} : « {raw} ».")

    async def _request(self, user_id: int, broker_id: int, alert: Alert) -> OrderRequest:
        symbol, market = await self._symbol(user_id, broker_id, alert.symbol)
        side = "sell" if alert.action == "close" else alert.action
        amount, quote = alert.quantity, alert.quote_amount
        if alert.action == "close" or alert.percent is not None:
            amount, quote = await self._from_balance(user_id, broker_id, alert, side, market)
        return OrderRequest(broker_id, symbol, side, alert.order_type, amount=amount,
                            quote_amount=quote, price=alert.price, stop_loss=alert.stop_loss,
                            take_profit=alert.take_profit)

    async def _from_balance(self, user_id: int, broker_id: int, alert: Alert, side: str,
                            market: Market) -> tuple[Decimal | None, Decimal | None]:
        ex = await self.trading.exchange(user_id, broker_id)
        asset = market.quote if side == "buy" else market.base
        available = (await ex.fetch_balance()).free_of(asset)
        share = (alert.percent or Decimal(100)) / Decimal(100)
        if available <= 0:
            raise ValidationError(reason=f"Solde {asset} nul : rien à "
                                         f"{'acheter' if side == 'buy' else 'vendre'}.")
        if side == "buy":
            return None, available * share
        return available * share, None
