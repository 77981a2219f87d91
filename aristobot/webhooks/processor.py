"""Turn a claimed alert into an order (the order process's work, after the HTTP answer).

The order goes through :class:`~aristobot.trading.service.ManualTrading` (client order id, a
``trades`` row for the attempt before anything is sent, never re-sent blindly) with source
« webhook » and the webhook's id. A unique index allows one trade per webhook, so even two
processes holding the same alert cannot both send it. An alert taken over from a stopped
process is reconciled: its trade, if any, is looked up on the exchange by client order id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from aristobot.brokers.repository import default_broker, list_brokers
from aristobot.db.models import TradeRow
from aristobot.domain.exchange import Market
from aristobot.errors import AristobotError, OrderNeverReceived, ValidationError
from aristobot.runtime import Runtime
from aristobot.trading import trades as journal
from aristobot.trading.service import ManualTrading, OrderRequest
from aristobot.webhooks import claims
from aristobot.webhooks import messages as msg
from aristobot.webhooks.claims import Claimed
from aristobot.webhooks.payload import Alert, parse_alert

log = logging.getLogger(__name__)
DONE_STATUSES = ("filled", "open")


class WebhookProcessor:
    """Places the order of one claimed alert and closes its webhook row."""

    def __init__(self, runtime: Runtime, max_age: timedelta, lease: timedelta,
                 close: Callable[[claims.Outcome], None]) -> None:
        self.runtime = runtime
        self.max_age = max_age
        self.lease = lease
        self.trading = ManualTrading(runtime)
        self._close = close  # the runner closes the webhook rows, several at a time

    def _finish(self, webhook_id: int, status: str, error: str | None) -> None:
        self._close(claims.Outcome(webhook_id, status, error))

    def _trade(self, webhook_id: int) -> TradeRow | None:
        with self.runtime.sessions() as s:
            row = s.scalar(select(TradeRow).where(TradeRow.webhook_id == webhook_id))
            if row is not None:
                s.expunge(row)
            return row

    async def handle(self, job: Claimed) -> None:
        """Place the order of ``job`` (or reconcile it when taken over) and close its row."""
        if job.user_id is None:
            self._finish(job.id, "failed", msg.NO_USER)
            return
        if job.taken_over:
            trade = self._trade(job.id)
            if trade is not None:  # the stopped process recorded an attempt: never re-send
                await self._reconcile(job, trade)
                return
        age = datetime.now(UTC) - job.created_at
        if age > self.max_age:
            self._finish(job.id, "failed",
                         msg.TOO_OLD.format(s=int(self.max_age.total_seconds())))
            return
        try:
            alert = parse_alert(job.payload)
            broker_id = self._broker(job.user_id, alert, job.source_broker_id)
            req = await self._request(job.user_id, broker_id, alert)
            view = await self.trading.place_order(job.user_id, req, source="webhook",
                                                  webhook_id=job.id)
            ok = view.status in DONE_STATUSES
            self._finish(job.id, "done" if ok else "failed", view.error)
        except IntegrityError:
            # Another process already recorded this webhook's order (a lease taken over too
            # early): that one owns it; nothing was sent from here.
            log.warning("webhook %s: its order is already recorded by another process", job.id)
        except AristobotError as e:
            self._finish(job.id, "failed", e.user_message())
        except Exception:
            log.exception("webhook %s: unexpected error", job.id)
            self._finish(job.id, "failed", msg.INTERNAL)

    async def _reconcile(self, job: Claimed, trade: TradeRow) -> None:
        """Close an alert whose order was recorded by a stopped process (by client order id).

        Found on the exchange: the trade takes its state. Absent, once the attempt is older
        than the lease (the stopped process cannot send it any more): never executed, and not
        sent again. The exchange cannot be asked: the claim is kept and retried later.
        """
        assert job.user_id is not None
        if trade.status == "pending" and trade.broker_id is not None and trade.client_order_id:
            try:
                ex = await self.trading.exchange(job.user_id, trade.broker_id)
                found = await ex.find_order(trade.client_order_id, trade.symbol)
            except AristobotError as e:  # OrderStatusUnknown, exchange unreachable
                log.info("webhook %s: order %s still unknown (%s)", job.id,
                         trade.client_order_id, e)
                return
            with self.runtime.sessions.begin() as s:
                if found is not None:
                    journal.apply_order(s, job.user_id, trade.id, found)
                elif datetime.now(UTC) - trade.created_at >= self.lease:
                    err = OrderNeverReceived(client_order_id=trade.client_order_id,
                                             exchange=ex.name)
                    journal.mark_failed(s, job.user_id, trade.id, "error", err.user_message())
            trade = self._trade(job.id) or trade
        if trade.status == "pending":
            log.info("webhook %s: order %s not found yet", job.id, trade.client_order_id)
            return  # the claim stays: taken over and looked up again after the lease
        ok = trade.status in DONE_STATUSES
        self._finish(job.id, "done" if ok else "failed", None if ok else trade.error)

    def _broker(self, user_id: int, alert: Alert, source_broker: int | None) -> int:
        with self.runtime.sessions() as s:
            if alert.broker is not None:
                for b in list_brokers(s, user_id):
                    if b.name.lower() == alert.broker.lower():
                        return b.id
                raise ValidationError(reason=msg.UNKNOWN_BROKER.format(name=alert.broker))
            if source_broker is not None:
                return source_broker
            default = default_broker(s, user_id)
        if default is None:
            raise ValidationError(reason=msg.NO_BROKER)
        return default.id

    async def _symbol(self, user_id: int, broker_id: int, raw: str) -> tuple[str, Market]:
        ex = await self.trading.exchange(user_id, broker_id)
        markets = ex.markets
        if raw in markets:
            return raw, markets[raw]
        for sym, market in markets.items():
            if sym.replace("/", "") == raw.replace("/", "") and market.spot:
                return sym, market
        raise ValidationError(reason=msg.UNKNOWN_SYMBOL.format(exchange=ex.name, symbol=raw))

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
            empty = msg.NOTHING_TO_BUY if side == "buy" else msg.NOTHING_TO_SELL
            raise ValidationError(reason=empty.format(asset=asset))
        if side == "buy":
            return None, available * share
        return available * share, None
