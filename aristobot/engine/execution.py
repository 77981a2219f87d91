"""Decisions become orders through the trading layer (source « strategy »).

Entries: the quote size from ``calculate_position_size`` capped by the free balance (entry fee
included, as the backtester's S6), a market buy, then the position with its SL/TP levels from
the returned fractions. Exits (a spot ``should_short``, a stop, « Vendre »): a market sell of
the position's quantity, capped by the base balance actually there; the realised P&L goes on
the position and the exit trade.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from aristobot.core.strategy_api import Decision
from aristobot.engine import messages
from aristobot.engine import positions as pos
from aristobot.engine.native_orders import cancel_quietly, place_stop_loss, supports_native_stop
from aristobot.engine.selection import ActiveSpec
from aristobot.errors import AristobotError, ValidationError
from aristobot.exchanges.handle import ExchangeHandle
from aristobot.trading.service import ManualTrading, OrderRequest
from aristobot.trading.trades import TradeView

log = logging.getLogger(__name__)
FEE_RATE = Decimal("0.001")  # what an entry reserves for its fee when capping by balance
_QUOTE_STEP = Decimal("0.00000001")

ExchangeFor = Callable[[int, int], Awaitable[ExchangeHandle]]


@dataclass(frozen=True, slots=True)
class Fill:
    trade: TradeView
    position: pos.PositionView | None = None
    realized_pnl: Decimal | None = None


def split_symbol(symbol: str) -> tuple[str, str]:
    base, _, quote = symbol.partition("/")
    return base, quote.split(":")[0]


async def free_balance(ex: ExchangeHandle, asset: str) -> Decimal:
    return (await ex.fetch_balance()).free_of(asset)


def _fee_in_quote(t: TradeView, base: str) -> Decimal:
    fee = t.fee or Decimal(0)
    if t.fee_currency == base and t.average_price is not None:
        return fee * t.average_price
    return fee


class Executor:
    """Places the engine's orders for one runtime."""

    def __init__(self, trading: ManualTrading, exchange_for: ExchangeFor,
                 now: Callable[[], datetime]) -> None:
        self.trading = trading
        self.runtime = trading.runtime
        self.exchange_for = exchange_for
        self.now = now
        # one order at a time per active strategy: a stop and a signal exit never both sell
        self._locks: dict[int, asyncio.Lock] = {}

    def lock(self, active_id: int) -> asyncio.Lock:
        return self._locks.setdefault(active_id, asyncio.Lock())

    async def enter_long(self, spec: ActiveSpec, decision: Decision, free_quote: Decimal,
                         reference: Decimal | None = None) -> Fill:
        """Buy ``decision.size`` quote (capped by the balance) and open the position."""
        cap = free_quote / (1 + FEE_RATE)
        quote = min(Decimal(str(decision.size)), cap).quantize(_QUOTE_STEP, ROUND_DOWN)
        if quote <= 0:
            raise ValidationError(reason=messages.insufficient_balance(free_quote))
        req = OrderRequest(spec.broker_id, spec.symbol, "buy", "market", quote_amount=quote,
                           reference_price=reference)
        trade = await self.trading.place_order(spec.user_id, req, source="strategy",
                                               active_strategy_id=spec.id,
                                               strategy_id=spec.strategy_id)
        if trade.filled_quantity <= 0 or trade.average_price is None:
            return Fill(trade)
        base, _ = split_symbol(spec.symbol)
        qty = trade.filled_quantity
        if trade.fee_currency == base and trade.fee:
            qty -= trade.fee  # Binance takes buy fees in the base asset
        entry = trade.average_price
        sl = entry * (1 - Decimal(str(decision.stop_loss))) if decision.stop_loss > 0 else None
        tp = entry * (1 + Decimal(str(decision.take_profit))) if decision.take_profit > 0 else None
        with self.runtime.sessions.begin() as s:
            view = pos.create(s, user_id=spec.user_id, broker_id=spec.broker_id,
                              strategy_id=spec.strategy_id, active_strategy_id=spec.id,
                              symbol=spec.symbol, quantity=qty, entry_price=entry, stop_loss=sl,
                              take_profit=tp, protection="engine", entry_trade_id=trade.id,
                              opened_at=self.now())
        if sl is not None:
            view = await self.protect(spec, view) or view
        return Fill(trade, view)

    async def protect(self, spec: ActiveSpec, p: pos.PositionView) -> pos.PositionView | None:
        """Place the native stop loss where possible; engine protection stays otherwise."""
        ex = await self.exchange_for(spec.user_id, spec.broker_id)
        if p.stop_loss is None or not supports_native_stop(ex, spec):
            return None
        try:
            order_id = await place_stop_loss(self.runtime.sessions, ex, spec, p.quantity,
                                             p.stop_loss)
        except AristobotError:
            log.warning("native stop loss refused for position %s: engine-managed", p.id,
                        exc_info=True)
            return None
        with self.runtime.sessions.begin() as s:
            pos.update(s, p.id, protection="native", stop_loss_order_id=order_id)
            return pos.open_position(s, spec.id)

    async def exit(self, spec: ActiveSpec, position: pos.PositionView, reason: str, *,
                   held: Decimal | None = None, reference: Decimal | None = None) -> Fill:
        """Sell the position at market; close it with its realised P&L once filled."""
        async with self.lock(spec.id):
            with self.runtime.sessions() as s:
                current = pos.open_position(s, spec.id)
            if current is None or current.id != position.id:
                raise ValidationError(reason=messages.POSITION_ALREADY_CLOSED)
            return await self._exit(spec, current, reason, held, reference)

    async def _exit(self, spec: ActiveSpec, position: pos.PositionView, reason: str,
                    held: Decimal | None, reference: Decimal | None) -> Fill:
        base, _ = split_symbol(spec.symbol)
        ex = await self.exchange_for(spec.user_id, spec.broker_id)
        if position.stop_loss_order_id:  # frees the base the stop order holds
            await cancel_quietly(ex, position.stop_loss_order_id, spec.symbol)
            with self.runtime.sessions.begin() as s:
                pos.update(s, position.id, stop_loss_order_id=None, protection="engine")
            held = None  # the balance read before the cancel misses what it freed
        if held is None or held < position.quantity:
            held = await free_balance(ex, base)
        qty = min(position.quantity, held)
        if qty <= 0:
            raise ValidationError(reason=messages.nothing_to_close(base))
        req = OrderRequest(spec.broker_id, spec.symbol, "sell", "market", amount=qty,
                           reference_price=reference)
        trade = await self.trading.place_order(spec.user_id, req, source="strategy",
                                               active_strategy_id=spec.id,
                                               strategy_id=spec.strategy_id)
        if trade.filled_quantity <= 0 or trade.average_price is None:
            return Fill(trade, position)
        with self.runtime.sessions.begin() as s:
            pnl = pos.close(s, position.id, exit_trade_id=trade.id,
                            exit_price=trade.average_price,
                            exit_fee=_fee_in_quote(trade, base), reason=reason, now=self.now())
        return Fill(trade, None, pnl)
