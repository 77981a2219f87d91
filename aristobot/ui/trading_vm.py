"""View-model of « Trading manuel »: broker, portfolio, symbols, order entry, orders, trades."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pandas as pd
import param

from aristobot.brokers import default_broker, list_brokers
from aristobot.core.order_rules import amount_from_quote, parse_decimal
from aristobot.core.timefmt import format_dt
from aristobot.domain.exchange import MarketRules
from aristobot.errors import AristobotError, ValidationError
from aristobot.runtime import Runtime
from aristobot.trading import trades as journal
from aristobot.trading.service import ManualTrading, OrderRequest
from aristobot.ui import messages as msg
from aristobot.ui import page_messages as lbl
from aristobot.ui.numbers import EMPTY, PrecisionBook, format_quantity, format_usd

log = logging.getLogger(__name__)

PORTFOLIO_COLUMNS = ["Actif", "Disponible", "Bloqué", "Total", "Prix USD", "Valeur USD"]
ORDER_COLUMNS = ["id", "Symbole", "Sens", "Type", "Quantité", "Prix", "Rempli", "Statut"]
TRADE_COLUMNS = ["Date", "Symbole", "Sens", "Type", "Quantité", "Prix moyen", "Montant USD",
                 "Frais", "Statut", "Erreur"]
SIDE_FR = lbl.SIDES
TYPE_FR = {"market": "Marché", "limit": "Limite"}
STATUS_FR = lbl.TRADE_STATUSES
# ccxt order statuses (open orders table)
ORDER_STATUS_FR = {"open": "ouvert", "closed": "exécuté", "canceled": "annulé",
                   "expired": "expiré", "rejected": "refusé"}


def _num(v: Decimal | None) -> str:
    """Machine form, for the order form's inputs (parsed back): never shown formatted."""
    return "" if v is None else format(v.normalize(), "f")


def _usd(v: Any) -> str:
    return "" if v is None else format_usd(v)


def _blank(text: str) -> str:
    """An absent number stays an empty cell (not « — »)."""
    return "" if text == EMPTY else text


class TradingVM(param.Parameterized):
    broker_id: Any = param.Selector(default=None, objects=[], allow_None=True)
    symbol = param.String(default="")
    search = param.String(default="")
    order_type: Any = param.Selector(default="market", objects=["market", "limit"])
    quantity = param.String(default="")
    usd = param.String(default="")
    limit_price = param.String(default="")
    last_price = param.String(default="")
    total_usd = param.String(default="")
    symbols = param.List(default=[])
    portfolio = param.DataFrame(default=pd.DataFrame(columns=PORTFOLIO_COLUMNS))
    orders = param.DataFrame(default=pd.DataFrame(columns=ORDER_COLUMNS))
    trades = param.DataFrame(default=pd.DataFrame(columns=TRADE_COLUMNS))
    message = param.String(default="")
    error = param.String(default="")
    busy = param.Boolean(default=False)

    def __init__(self, runtime: Runtime, user_id: int, timezone: str = "UTC",
                 **params: Any) -> None:
        super().__init__(**params)
        self._runtime = runtime
        self._user_id = user_id
        self._timezone = timezone
        self._service = ManualTrading(runtime)
        self._rules: MarketRules | None = None
        self._price: Decimal | None = None
        self._book = PrecisionBook()  # the broker's markets, loaded by refresh()
        self._syncing = False
        self.broker_names: dict[str, int] = {}
        self.reload_brokers()

    # --- brokers -----------------------------------------------------------------------------
    def reload_brokers(self) -> None:
        """Fill the broker choice; preselect the user's default broker."""
        with self._runtime.sessions() as s:
            brokers = [b for b in list_brokers(s, self._user_id) if b.is_active]
            default = default_broker(s, self._user_id)
        self.broker_names = {f"{b.name} ({b.exchange})": b.id for b in brokers}
        self.param.broker_id.objects = list(self.broker_names.values())
        if self.broker_id not in self.param.broker_id.objects:
            ids = self.param.broker_id.objects
            self.broker_id = default.id if default and default.id in ids else (
                ids[0] if ids else None)

    def _fail(self, e: AristobotError) -> None:
        self.error, self.message = e.user_message(), ""

    async def refresh(self) -> None:
        """Reload everything shown for the selected broker."""
        if self.broker_id is None:
            self.error, self.total_usd = msg.NO_BROKER, ""
            return
        self.busy = True
        try:
            self.symbols = await self._service.symbols(self._user_id, self.broker_id)
            self._book = PrecisionBook(await self._service.market_rules(self._user_id,
                                                                       self.broker_id))
            if self.symbol not in self.symbols:
                self.symbol = "BTC/USDT" if "BTC/USDT" in self.symbols else (
                    self.symbols[0] if self.symbols else "")
            await self._service.sync_open_trades(self._user_id, self.broker_id)
            await self.refresh_portfolio()
            await self.refresh_orders()
            await self.select_symbol(self.symbol)
            self.error = ""
        except AristobotError as e:
            self.total_usd = ""  # no valuation: « Total : — », not a stale total
            self._fail(e)
        finally:
            self.busy = False
            self.refresh_trades()

    async def refresh_portfolio(self) -> None:
        p = await self._service.portfolio(self._user_id, self.broker_id)
        book = self._book
        self.portfolio = pd.DataFrame(
            [[x.asset, book.balance(x.asset, x.free), book.balance(x.asset, x.used),
              book.balance(x.asset, x.total),
              _blank(book.of_asset(x.asset).price(x.price_usd)), _usd(x.value_usd)]
             for x in p.lines],
            columns=PORTFOLIO_COLUMNS)
        self.total_usd = _usd(p.total_usd)

    async def refresh_orders(self) -> None:
        orders = await self._service.open_orders(self._user_id, self.broker_id)
        of = self._book.of
        self.orders = pd.DataFrame(
            [[str(o.id), o.symbol, SIDE_FR.get(o.side, o.side), TYPE_FR.get(o.type, o.type),
              _blank(of(o.symbol).quantity(o.amount)), _blank(of(o.symbol).price(o.price)),
              _blank(of(o.symbol).quantity(o.filled)), ORDER_STATUS_FR.get(o.status, o.status)]
             for o in orders], columns=ORDER_COLUMNS)

    def refresh_trades(self) -> None:
        with self._runtime.sessions() as s:
            rows = journal.recent_trades(s, self._user_id, limit=50)
        of = self._book.of
        self.trades = pd.DataFrame(
            [[format_dt(t.created_at, self._timezone), t.symbol, SIDE_FR.get(t.side, t.side),
              TYPE_FR.get(t.order_type, t.order_type),
              _blank(of(t.symbol).quantity(t.filled_quantity or t.quantity)),
              _blank(of(t.symbol).price(t.average_price)), _usd(t.quote_amount),
              _blank(format_quantity(t.fee)), STATUS_FR.get(t.status, t.status),
              t.error or ""] for t in rows], columns=TRADE_COLUMNS)

    def filtered_symbols(self) -> list[str]:
        q = self.search.strip().upper()
        return [s for s in self.symbols if q in s.upper()] if q else list(self.symbols)

    async def select_symbol(self, symbol: str) -> None:
        """Choose the symbol to trade; fetch its rules and last price."""
        if not symbol or self.broker_id is None:
            return
        self.symbol = symbol
        try:
            self._rules = await self._service.rules(self._user_id, self.broker_id, symbol)
            self._price = await self._service.last_price(self._user_id, self.broker_id, symbol)
            self.last_price = _blank(self._book.of(symbol).price(self._price))
        except AristobotError as e:
            self._price, self.last_price = None, ""
            self._fail(e)
        self._recompute("quantity")

    # --- quantity <-> USD --------------------------------------------------------------------
    def _ref_price(self) -> Decimal | None:
        if self.order_type == "limit" and self.limit_price.strip():
            try:
                return parse_decimal(self.limit_price, "Prix limite")
            except ValidationError:
                return None
        return self._price

    @param.depends("quantity", watch=True)
    def _on_quantity(self) -> None:
        self._recompute("quantity")

    @param.depends("usd", watch=True)
    def _on_usd(self) -> None:
        self._recompute("usd")

    @param.depends("limit_price", "order_type", watch=True)
    def _on_price(self) -> None:
        self._recompute("quantity")

    def _recompute(self, typed: str) -> None:
        """Typing a quantity computes USD; typing USD computes the quantity."""
        if self._syncing:
            return
        price = self._ref_price()
        self._syncing = True
        try:
            if typed == "quantity" and self.quantity.strip() and price:
                qty = parse_decimal(self.quantity, "Quantité")
                self.usd = f"{qty * price:.2f}"
            elif typed == "usd" and self.usd.strip() and price and self._rules:
                usd = parse_decimal(self.usd, "Montant USD")
                self.quantity = _num(amount_from_quote(usd, price, self._rules))
            self.error = ""
        except ValidationError as e:
            self._fail(e)
        finally:
            self._syncing = False

    # --- orders ------------------------------------------------------------------------------
    def _request(self, side: str) -> OrderRequest:
        if self.broker_id is None or not self.symbol:
            raise ValidationError(reason=msg.CHOOSE_BROKER_AND_SYMBOL)
        qty = parse_decimal(self.quantity, "Quantité") if self.quantity.strip() else None
        usd = parse_decimal(self.usd, "Montant USD") if self.usd.strip() and qty is None else None
        price = (parse_decimal(self.limit_price, "Prix limite")
                 if self.order_type == "limit" else None)
        return OrderRequest(self.broker_id, self.symbol, side, self.order_type, qty, usd, price)

    async def place(self, side: str) -> bool:
        """« Achat » / « Vente »: send the order; success or the French error is shown.

        Refused (False) while another operation runs: a double click sends one order.
        """
        if self.busy:
            return False
        self.busy = True
        try:
            try:
                req = self._request(side)
            except ValidationError as e:
                if self.broker_id is not None:  # a form error is an attempt too
                    self._service.record_rejected(self._user_id, self.broker_id, self.symbol,
                                                  side, self.order_type, e)
                raise
            t = await self._service.place_order(self._user_id, req)
            self.message = msg.ORDER_OUTCOME.format(
                side=SIDE_FR[side], quantity=self._book.of(t.symbol).quantity(t.quantity),
                symbol=t.symbol, status=STATUS_FR.get(t.status, t.status))
            self.error = ""
            await self.refresh_portfolio()
            await self.refresh_orders()
        except AristobotError as e:
            self._fail(e)
        finally:
            self.busy = False
            self.refresh_trades()
        return True

    async def buy(self) -> bool:
        return await self.place("buy")

    async def sell(self) -> bool:
        return await self.place("sell")

    async def cancel(self, order_id: str) -> None:
        row = self.orders[self.orders["id"] == order_id]
        if row.empty or self.broker_id is None:
            return
        try:
            await self._service.cancel_order(self._user_id, self.broker_id, order_id,
                                             str(row.iloc[0]["Symbole"]))
            self.message, self.error = msg.ORDER_CANCELLED.format(order_id=order_id), ""
            await self.refresh_orders()
            await self.refresh_portfolio()
        except AristobotError as e:
            self._fail(e)
        self.refresh_trades()
