"""Manual trading: portfolio, market rules, order placement recorded in ``trades``.

Every attempt is stored (« pending ») before it is sent; a refused or failed attempt keeps
its French error. Amounts are checked against the market's precision and minimums before
anything reaches the exchange.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from aristobot.brokers.connections import get_manager
from aristobot.brokers.repository import get_broker
from aristobot.bus import Channels
from aristobot.core.order_rules import amount_from_quote, check_order
from aristobot.db.models import TradeRow
from aristobot.domain.exchange import USD_LIKE, USD_QUOTES, MarketRules, Order
from aristobot.errors import (
    AristobotError,
    BrokerInactive,
    BusError,
    OrderInterrupted,
    OrderNeverReceived,
    OrderStatusUnknown,
    TemporaryError,
    ValidationError,
)
from aristobot.exchanges.handle import ExchangeHandle, new_client_order_id
from aristobot.trading import messages
from aristobot.trading import trades as journal

if TYPE_CHECKING:
    from aristobot.runtime import Runtime

log = logging.getLogger(__name__)
SIDES = ("buy", "sell")
TYPES = ("market", "limit")
# A pending row still unknown to the exchange this long after it was stored never got there.
ABSENT_AFTER = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A manual order: give ``amount`` (base) or ``quote_amount`` (USD), not both."""

    broker_id: int
    symbol: str
    side: str
    order_type: str = "market"
    amount: Decimal | None = None
    quote_amount: Decimal | None = None
    price: Decimal | None = None  # limit price
    stop_loss: Decimal | None = None  # recorded with the attempt (protective price)
    take_profit: Decimal | None = None
    # A market order's sizing/checking price already known to the caller (the live engine
    # fetches it while the strategy decides); None: the ticker is asked.
    reference_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PortfolioLine:
    asset: str
    free: Decimal
    used: Decimal
    total: Decimal
    price_usd: Decimal | None
    value_usd: Decimal | None


@dataclass(frozen=True, slots=True)
class Portfolio:
    lines: tuple[PortfolioLine, ...]
    total_usd: Decimal


class ManualTrading:
    """The manual trading service for one runtime (stateless apart from the manager)."""

    def __init__(self, runtime: Runtime,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.runtime = runtime
        self.manager = get_manager(runtime)
        self._now = now

    async def exchange(self, user_id: int, broker_id: int) -> ExchangeHandle:
        return await self.manager.exchange_for(user_id, broker_id)

    async def symbols(self, user_id: int, broker_id: int) -> list[str]:
        """Active spot symbols of the broker's exchange, sorted."""
        ex = await self.exchange(user_id, broker_id)
        return sorted(s for s, m in ex.markets.items() if m.active and m.spot)

    async def rules(self, user_id: int, broker_id: int, symbol: str) -> MarketRules:
        ex = await self.exchange(user_id, broker_id)
        market = ex.markets.get(symbol)
        if market is None:
            raise ValidationError(reason=messages.unknown_symbol(ex.name, symbol))
        return market.rules

    async def market_rules(self, user_id: int, broker_id: int) -> dict[str, MarketRules]:
        """Every market's rules (precision, minimums) of the broker's exchange, by symbol."""
        ex = await self.exchange(user_id, broker_id)
        return {symbol: m.rules for symbol, m in ex.markets.items()}

    async def last_price(self, user_id: int, broker_id: int, symbol: str) -> Decimal:
        ex = await self.exchange(user_id, broker_id)
        ticker = await ex.fetch_ticker(symbol)
        if not ticker.last:
            raise ValidationError(reason=messages.no_price(symbol, ex.name))
        return ticker.last

    async def portfolio(self, user_id: int, broker_id: int) -> Portfolio:
        """Balances with their USD value (stablecoins count 1:1, others via ASSET/USDT)."""
        ex = await self.exchange(user_id, broker_id)
        bal = await ex.fetch_balance()
        lines, total = [], Decimal(0)
        for asset, tot in sorted(bal.total.items()):
            if tot <= 0:
                continue
            price = await self._usd_price(ex, asset)
            value = tot * price if price is not None else None
            total += value or 0
            lines.append(PortfolioLine(asset, bal.free_of(asset), bal.used_of(asset), tot,
                                       price, value))
        return Portfolio(tuple(lines), total)

    async def _usd_price(self, ex: ExchangeHandle, asset: str) -> Decimal | None:
        if asset in USD_LIKE:
            return Decimal(1)
        for quote in USD_QUOTES:
            sym = f"{asset}/{quote}"
            if sym in ex.markets:
                try:
                    return (await ex.fetch_ticker(sym)).last
                except AristobotError:
                    return None
        return None

    async def resolve_amount(self, user_id: int, req: OrderRequest,
                             rules: MarketRules) -> tuple[Decimal, Decimal | None]:
        """Return (base amount, reference price); USD amounts are converted, rounded down."""
        if req.amount is not None and req.quote_amount is not None:
            raise ValidationError(
                reason=messages.QUANTITY_OR_AMOUNT_NOT_BOTH)
        ref = req.price if req.order_type == "limit" else req.reference_price
        if req.amount is not None:
            if ref is None:
                ref = await self._reference(user_id, req)
            return req.amount, ref
        if req.quote_amount is None:
            raise ValidationError(reason=messages.QUANTITY_OR_AMOUNT)
        ref = ref or await self.last_price(user_id, req.broker_id, req.symbol)
        return amount_from_quote(req.quote_amount, ref, rules), ref

    async def _reference(self, user_id: int, req: OrderRequest) -> Decimal | None:
        try:
            return await self.last_price(user_id, req.broker_id, req.symbol)
        except AristobotError:
            return None  # the exchange will check the minimum cost itself

    async def place_order(self, user_id: int, req: OrderRequest, *, source: str = "manual",
                          webhook_id: int | None = None,
                          active_strategy_id: int | None = None,
                          strategy_id: int | None = None) -> journal.TradeView:
        """Record, check, send; the trade row tells what happened (raises on failure).

        The attempt is stored before anything else, so a refused request (bad side, type,
        missing limit price, inactive broker) is a « rejected » row too. Whatever stops the
        sending half-way (cancellation, database error) leaves a « pending » row with its
        reason, which :meth:`sync_open_trades` resolves by client order id.
        """
        with self.runtime.sessions() as s:
            broker = get_broker(s, user_id, req.broker_id)  # NotFound for another user
        cid = new_client_order_id()
        with self.runtime.sessions.begin() as s:
            trade_id = journal.record_attempt(
                s, user_id=user_id, broker_id=broker.id, exchange=broker.exchange,
                symbol=req.symbol, side=req.side, order_type=req.order_type,
                quantity=req.amount or Decimal(0), price=req.price,
                quote_amount=req.quote_amount, client_order_id=cid, source=source,
                webhook_id=webhook_id, stop_loss=req.stop_loss, take_profit=req.take_profit,
                active_strategy_id=active_strategy_id, strategy_id=strategy_id)
        try:
            _check_request(req)
            if not broker.is_active:
                raise BrokerInactive(name=broker.name)
            view = await self._send(user_id, req, trade_id, cid)
        except AristobotError as e:
            failed = self._journal_failure(user_id, trade_id, _failure_status(e),
                                           e.user_message())
            if failed is not None:
                await self._publish(user_id, failed)
            raise
        except BaseException as e:
            # Cancelled or crashed after the row was stored: the order may have been sent.
            why = OrderInterrupted(client_order_id=cid, reason=type(e).__name__)
            self._journal_failure(user_id, trade_id, "pending", why.user_message())
            raise
        await self._publish(user_id, view, active_strategy_id)
        return view

    def record_rejected(self, user_id: int, broker_id: int, symbol: str, side: str,
                        order_type: str, error: AristobotError) -> journal.TradeView:
        """Journal an attempt refused before any request could be built (form errors)."""
        with self.runtime.sessions.begin() as s:
            broker = get_broker(s, user_id, broker_id)
            trade_id = journal.record_attempt(
                s, user_id=user_id, broker_id=broker.id, exchange=broker.exchange,
                symbol=symbol, side=side, order_type=order_type, quantity=Decimal(0),
                price=None, quote_amount=None, client_order_id=new_client_order_id())
            return journal.mark_failed(s, user_id, trade_id, "rejected", error.user_message())

    def _journal_failure(self, user_id: int, trade_id: int, status: str,
                         error: str) -> journal.TradeView | None:
        try:
            with self.runtime.sessions.begin() as s:
                return journal.mark_failed(s, user_id, trade_id, status, error)
        except (SQLAlchemyError, AristobotError):
            # The database itself may be what failed: keep (and raise) the first error.
            log.exception("cannot journal the failure of trade %s", trade_id)
            return None

    async def _send(self, user_id: int, req: OrderRequest, trade_id: int,
                    cid: str) -> journal.TradeView:
        ex = await self.exchange(user_id, req.broker_id)
        rules = await self.rules(user_id, req.broker_id, req.symbol)
        amount, ref = await self.resolve_amount(user_id, req, rules)
        check_order(rules, amount, req.price if req.order_type == "limit" else None, ref)
        if amount != req.amount:  # a quote amount converted: record the quantity sent
            with self.runtime.sessions.begin() as s:
                row = s.get(TradeRow, trade_id)
                if row is not None:
                    row.quantity = amount
        order = await ex.create_order(req.symbol, req.order_type, req.side, amount,
                                      req.price, client_order_id=cid)
        with self.runtime.sessions.begin() as s:
            return journal.apply_order(s, user_id, trade_id, order)

    async def _publish(self, user_id: int, view: journal.TradeView,
                       active_strategy_id: int | None = None) -> None:
        payload = {"user_id": user_id, "trade_id": view.id, "status": view.status,
                   "symbol": view.symbol, "side": view.side, "source": view.source,
                   "active_strategy_id": active_strategy_id}
        try:
            await self.runtime.bus.publish(Channels.TRADES, view.source, payload)
        except BusError:
            # The order is placed and journaled: raising now would tell the caller it
            # failed (and invite a re-send). Pages re-read the journal; the log says why
            # this update did not appear live.
            log.exception("trade %s journaled but not published live", view.id)

    async def open_orders(self, user_id: int, broker_id: int) -> list[Order]:
        ex = await self.exchange(user_id, broker_id)
        return await ex.fetch_open_orders()

    async def cancel_order(self, user_id: int, broker_id: int, order_id: str,
                           symbol: str) -> None:
        ex = await self.exchange(user_id, broker_id)
        order = await ex.cancel_order(order_id, symbol)
        with self.runtime.sessions.begin() as s:
            trade_id = journal.trade_by_order(s, user_id, broker_id, str(order_id))
            if trade_id is not None:
                journal.apply_order(s, user_id, trade_id, replace(order, status="canceled"))

    async def sync_open_trades(self, user_id: int, broker_id: int) -> int:
        """Refresh open and pending trade rows from the exchange; return how many changed.

        Open rows follow their limit order. Pending rows (sending interrupted, state unknown)
        are looked up by client order id: found, they take the exchange's state; still absent
        :data:`ABSENT_AFTER` after they were stored, they are marked as never executed.
        """
        with self.runtime.sessions() as s:
            rows = journal.open_trades(s, user_id, broker_id)
        rows = [t for t in rows if t.client_order_id]
        if not rows:
            return 0
        ex = await self.exchange(user_id, broker_id)
        changed = 0
        for t in rows:
            assert t.client_order_id is not None
            try:
                found = await ex.find_order(t.client_order_id, t.symbol)
            except OrderStatusUnknown as e:
                log.info("trade %s: state still unknown (%s)", t.id, e)
                continue
            if found is None:
                if t.status == "pending" and self._now() - t.created_at >= ABSENT_AFTER:
                    err = OrderNeverReceived(client_order_id=t.client_order_id,
                                             exchange=ex.name)
                    with self.runtime.sessions.begin() as s:
                        journal.mark_failed(s, user_id, t.id, "error", err.user_message())
                    changed += 1
                continue
            if t.status == "pending" or journal.order_status(found) != "open":
                with self.runtime.sessions.begin() as s:
                    view = journal.apply_order(s, user_id, t.id, found)
                await self._publish(user_id, view)
                changed += 1
        return changed


def _check_request(req: OrderRequest) -> None:
    if req.side not in SIDES:
        raise ValidationError(reason=messages.unknown_side(req.side))
    if req.order_type not in TYPES:
        raise ValidationError(reason=messages.unknown_order_type(req.order_type))
    if req.order_type == "limit" and req.price is None:
        raise ValidationError(reason="Un ordre limite exige un prix.")


def _failure_status(e: AristobotError) -> str:
    if isinstance(e, OrderStatusUnknown):
        return "pending"  # may exist on the exchange: sync_open_trades resolves it
    return "error" if isinstance(e, TemporaryError) else "rejected"
