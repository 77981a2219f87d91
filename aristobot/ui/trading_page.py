"""« Trading manuel » page: wires widgets to :class:`TradingVM` (no logic here)."""

from __future__ import annotations

from html import escape
from typing import Any

import panel as pn

from aristobot.ui import messages as msg
from aristobot.ui.feedback import feedback_html
from aristobot.ui.numbers import EMPTY
from aristobot.ui.pages import PageContext
from aristobot.ui.tables import numbers_right, row_button, table_theme
from aristobot.ui.trading_vm import PORTFOLIO_COLUMNS, TradingVM

ORDER_NUMBERS = ["Quantité", "Prix", "Rempli"]
TRADE_NUMBERS = ["Quantité", "Prix moyen", "Montant USD", "Frais"]


def _feedback(message: str, error: str) -> str:
    return feedback_html(message, error, "trade")


def _head(symbol: str, price: str) -> str:
    return (f"<div class='ab-accent' id='trade-symbol'><b>{escape(symbol)}</b> — dernier prix : "
            f"<span id='trade-last'>{escape(price) or msg.PRICE_UNAVAILABLE}</span></div>")


def total_html(total: str) -> str:
    """The portfolio total: « Total : 9 166,25 USD », « Total : — » while there is no broker or
    no valuation (never « Total : USD » with an empty number)."""
    if not total:
        return f"<b>Total : <span id='trade-total'>{EMPTY}</span></b>"
    return f"<b>Total : <span id='trade-total'>{escape(total)}</span> USD</b>"


def order_buttons(vm: TradingVM) -> tuple[Any, Any]:
    """« Achat » / « Vente », disabled while an operation runs (no double order) or while
    there is no broker to send to (the page then says where to add one)."""
    blocked = vm.busy or vm.broker_id is None
    buy = pn.widgets.Button(label="Achat", color="success", css_classes=["trade-buy"],
                            disabled=blocked)
    sell = pn.widgets.Button(label="Vente", color="danger", css_classes=["trade-sell"],
                             disabled=blocked)

    def _blocked(*_: Any) -> None:
        buy.disabled = sell.disabled = vm.busy or vm.broker_id is None

    vm.param.watch(_blocked, ["busy", "broker_id"])

    async def _buy(event: Any) -> None:
        await vm.buy()

    async def _sell(event: Any) -> None:
        await vm.sell()

    buy.on_click(_buy)
    sell.on_click(_sell)
    return buy, sell


def build(ctx: PageContext) -> Any:
    vm = TradingVM(ctx.runtime, ctx.user.id, ctx.timezone)
    theme = table_theme(ctx.theme)
    table = dict(theme=theme, show_index=False, disabled=True, sizing_mode="stretch_width")

    broker = pn.widgets.Select(label="Broker", options=vm.broker_names, value=vm.broker_id,
                               css_classes=["trade-broker"], width=280)
    broker.link(vm, value="broker_id")
    refresh = pn.widgets.Button(label="Rafraîchir", css_classes=["trade-refresh"])

    # Columns as wide as their header and numbers (a narrow card scrolls, never cuts a number);
    # a few lines need no sorting, so the headers keep their room for their names.
    portfolio = pn.widgets.Tabulator.from_param(
        vm.param.portfolio, css_classes=["trade-portfolio"], layout="fit_data_stretch",
        text_align=numbers_right(PORTFOLIO_COLUMNS[1:]),
        configuration={"columnDefaults": {"headerSort": False}}, **table)
    total = pn.pane.HTML(pn.bind(total_html, vm.param.total_usd))

    search = pn.widgets.TextInput.from_param(vm.param.search, label="Recherche",
                                             placeholder="ex. BTC", css_classes=["trade-search"],
                                             width=220)
    symbols = pn.widgets.Tabulator(_symbols_frame(vm), pagination="local", page_size=10,
                                   selectable=1, css_classes=["trade-symbols"],
                                   formatters={"Symbole": {"type": "plaintext"}},
                                   layout="fit_columns",
                                   **{**table, "width": 256, "sizing_mode": None})
    vm.param.watch(lambda e: setattr(symbols, "value", _symbols_frame(vm)), ["symbols", "search"])

    async def _pick(event: Any) -> None:
        if event.value:
            await vm.select_symbol(str(event.value))

    symbols.on_click(_pick)

    order_type = pn.widgets.RadioButtonGroup(label="Type", value=vm.order_type,
                                             options={"Marché": "market",
                                                                   "Limite": "limit"},
                                             css_classes=["trade-type"])
    order_type.link(vm, value="order_type")
    qty = pn.widgets.TextInput.from_param(vm.param.quantity, label="Quantité",
                                          css_classes=["trade-qty"])
    usd = pn.widgets.TextInput.from_param(vm.param.usd, label="Montant USD",
                                          css_classes=["trade-usd"])
    limit = pn.widgets.TextInput.from_param(vm.param.limit_price, label="Prix limite",
                                            css_classes=["trade-limit"])
    buy, sell = order_buttons(vm)

    async def _refresh(event: Any) -> None:
        await vm.refresh()

    refresh.on_click(_refresh)
    vm.param.watch(lambda e: pn.state.execute(vm.refresh), "broker_id")
    head = pn.pane.HTML(pn.bind(_head, vm.param.symbol, vm.param.last_price))
    entry = pn.Column(head, order_type, qty, usd, limit, pn.Row(buy, sell),
                      pn.pane.HTML(pn.bind(_feedback, vm.param.message, vm.param.error),
                                   sizing_mode="stretch_width"),
                      css_classes=["ab-card"], width=360)

    orders = pn.widgets.Tabulator.from_param(vm.param.orders,
                                             buttons={"cancel": row_button("Annuler")},
                                             text_align=numbers_right(ORDER_NUMBERS),
                                             css_classes=["trade-orders"], **table)

    async def _cancel(event: Any) -> None:
        if event.column == "cancel":
            await vm.cancel(str(vm.orders.iloc[event.row]["id"]))

    orders.on_click(_cancel)
    trades = pn.widgets.Tabulator.from_param(vm.param.trades, pagination="local", page_size=10,
                                             text_align=numbers_right(TRADE_NUMBERS),
                                             css_classes=["trade-history"], **table)
    pn.state.onload(vm.refresh)
    return pn.Column(
        pn.pane.Markdown("## Trading manuel"),
        pn.Row(broker, refresh, pn.indicators.LoadingSpinner(value=vm.param.busy, size=24,
                                                             visible=vm.param.busy)),
        # Portefeuille takes what is left (never under 420 px); the order entry wraps below
        # on narrow screens instead of crushing it.
        pn.FlexBox(
            pn.Column(pn.pane.HTML("<h3 class='ab-accent'>Portefeuille</h3>"), portfolio, total,
                      css_classes=["ab-card"], sizing_mode="stretch_width", min_width=420,
                      styles={"flex": "1 1 420px"}),
            pn.Column(pn.pane.HTML("<h3 class='ab-accent'>Symboles</h3>"), search, symbols,
                      css_classes=["ab-card"], width=290),
            entry,
            flex_wrap="wrap", gap="8px", sizing_mode="stretch_width",
        ),
        pn.Column(pn.pane.HTML("<h3 class='ab-accent'>Ordres ouverts</h3>"), orders,
                  css_classes=["ab-card"], sizing_mode="stretch_width"),
        pn.Column(pn.pane.HTML("<h3 class='ab-accent'>Trades</h3>"), trades,
                  css_classes=["ab-card"], sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
    )


def _symbols_frame(vm: TradingVM) -> Any:
    import pandas as pd

    # object dtype: an empty float column would make Tabulator format symbols as numbers.
    return pd.DataFrame({"Symbole": pd.Series(vm.filtered_symbols(), dtype=object)})
