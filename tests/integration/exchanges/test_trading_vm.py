"""The trading page's view-model and page build, without a browser."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

from bokeh.document import Document

from aristobot.accounts.users import get_user
from aristobot.brokers import ensure_default_paper_broker
from aristobot.brokers.connections import get_manager
from aristobot.core.timefmt import format_dt
from aristobot.exchanges.paper import FixedPrices
from aristobot.runtime import Runtime
from aristobot.trading import trades as journal
from aristobot.ui import messages as msg
from aristobot.ui import trading_page
from aristobot.ui.pages import PageContext
from aristobot.ui.trading_vm import TradingVM
from tests.support.bokeh_text import assert_shows
from tests.support.factories import make_user


async def test_vm_converts_and_trades_on_the_default_paper_broker(runtime: Runtime) -> None:
    dev = make_user(runtime.sessions, "dev", "motdepasse-dev-123")
    with runtime.sessions.begin() as s:
        pid = ensure_default_paper_broker(s, dev.id, "1000").id
    get_manager(runtime).prices = FixedPrices({"BTC/USDT": "20000", "ETH/USDT": "1000"})  # type: ignore[assignment]
    vm = TradingVM(runtime, dev.id)
    assert vm.broker_id == pid  # default broker preselected
    await vm.refresh()
    assert vm.symbol == "BTC/USDT" and vm.last_price == "20\u202f000,00"
    assert vm.total_usd == "1\u202f000,00"  # French separators (aristobot.ui.numbers)
    vm.quantity = "0,01"
    assert vm.usd == "200.00"
    vm.usd = "100"
    assert vm.quantity == "0.005"
    await vm.buy()
    assert vm.error == "" and "exécuté" in vm.message
    assert set(vm.portfolio["Actif"]) == {"BTC", "USDT"}
    lines = vm.portfolio.set_index("Actif")
    assert lines.loc["BTC", "Total"] == "0,005"  # the market's lot step
    assert lines.loc["BTC", "Prix USD"] == "20\u202f000,00"  # the market's tick
    assert lines.loc["USDT", "Total"] == "899,90"  # dollars to the cent (1000 − 100 − fee)
    vm.quantity = "0.000001"
    await vm.sell()
    assert "trop précise" in vm.error
    assert list(vm.trades["Statut"]) == ["refusé", "exécuté"]
    vm.search = "eth"
    assert vm.filtered_symbols() == ["ETH/USDT"]
    vm.order_type, vm.limit_price, vm.quantity = "limit", "900", ""
    await vm.select_symbol("ETH/USDT")
    vm.quantity = "0.1"
    await vm.buy()
    assert len(vm.orders) == 1
    await vm.cancel(str(vm.orders.iloc[0]["id"]))
    assert len(vm.orders) == 0 and "annulé" in vm.message


def test_page_builds(runtime: Runtime) -> None:
    dev = make_user(runtime.sessions, "dev", "motdepasse-dev-123")
    with runtime.sessions() as s:
        user = get_user(s, dev.id)
    page = trading_page.build(PageContext(runtime, user, "dark", "UTC"))
    assert_shows(page.get_root(Document()), "Trading manuel", "Achat", "Vente", "Broker",
                 "Quantité", "Montant USD")


class GatedPrices(FixedPrices):
    """Prices that wait for the test to open the gate (an order in flight)."""

    def __init__(self, prices: dict[str, str]) -> None:
        super().__init__(prices)  # type: ignore[arg-type]
        self.gate = asyncio.Event()
        self.gate.set()
        self.waiting = asyncio.Event()

    async def last_price(self, symbol: str) -> D:
        self.waiting.set()
        await self.gate.wait()
        return await super().last_price(symbol)


async def test_double_click_sends_one_order(runtime: Runtime) -> None:
    dev = make_user(runtime.sessions, "dev", "motdepasse-dev-123")
    with runtime.sessions.begin() as s:
        ensure_default_paper_broker(s, dev.id, "1000")
    prices = GatedPrices({"BTC/USDT": "20000"})
    get_manager(runtime).prices = prices  # type: ignore[assignment]
    vm = TradingVM(runtime, dev.id)
    await vm.refresh()
    buy, sell = trading_page.order_buttons(vm)
    vm.quantity = "0.001"
    prices.gate.clear()
    prices.waiting.clear()
    first = asyncio.get_running_loop().create_task(vm.buy())
    await prices.waiting.wait()  # the first order is on its way
    assert buy.disabled and sell.disabled
    second = asyncio.get_running_loop().create_task(vm.buy())  # a double click
    await asyncio.sleep(0)
    prices.gate.set()
    assert await asyncio.gather(first, second) == [True, False]  # the second one refused
    with runtime.sessions() as s:
        assert len(journal.recent_trades(s, dev.id)) == 1
    vm.busy = True
    assert buy.disabled and sell.disabled
    assert not await vm.sell()
    vm.busy = False
    assert not buy.disabled and not sell.disabled


async def test_tables_speak_french_in_the_user_zone(runtime: Runtime) -> None:
    dev = make_user(runtime.sessions, "dev", "motdepasse-dev-123")
    with runtime.sessions.begin() as s:
        ensure_default_paper_broker(s, dev.id, "1000")
    get_manager(runtime).prices = FixedPrices({"BTC/USDT": "20000"})  # type: ignore[assignment]
    vm = TradingVM(runtime, dev.id, "Europe/Paris")
    await vm.refresh()
    vm.order_type, vm.limit_price, vm.quantity = "limit", "19000", "0.001"
    await vm.buy()
    assert list(vm.orders["Type"]) == ["Limite"] and list(vm.orders["Statut"]) == ["ouvert"]
    assert list(vm.trades["Type"]) == ["Limite"]
    with runtime.sessions() as s:
        created = journal.recent_trades(s, dev.id)[0].created_at
    date = vm.trades.iloc[0]["Date"]
    assert date == format_dt(created, "Europe/Paris") and date.endswith(("CET", "CEST"))
    assert date != created.strftime("%Y-%m-%d %H:%M:%S")


async def test_form_errors_are_journaled_as_rejected(runtime: Runtime) -> None:
    dev = make_user(runtime.sessions, "dev", "motdepasse-dev-123")
    with runtime.sessions.begin() as s:
        ensure_default_paper_broker(s, dev.id, "1000")
    get_manager(runtime).prices = FixedPrices({"BTC/USDT": "20000"})  # type: ignore[assignment]
    vm = TradingVM(runtime, dev.id)
    await vm.refresh()
    vm.order_type, vm.limit_price, vm.quantity = "limit", "beaucoup", "0.001"
    await vm.buy()
    assert "nombre attendu" in vm.error
    assert list(vm.trades["Statut"]) == ["refusé"]
    assert "beaucoup" in vm.trades.iloc[0]["Erreur"]


def test_feedback_escapes_foreign_text() -> None:
    html = trading_page._feedback("", "Ordre refusé par X : <img src=x onerror=alert(1)>")
    assert "<img" not in html and "&lt;img" in html
    assert "<b>" not in trading_page._feedback("<b>BTC</b>", "")
    assert "<script>" not in trading_page._head("<script>", "1")


def test_total_reads_a_dash_without_valuation() -> None:
    assert "— " not in trading_page.total_html("") and "USD" not in trading_page.total_html("")
    assert trading_page.total_html("1\u202f000,00").endswith("1\u202f000,00</span> USD</b>")


def test_symbol_header_says_when_no_price_is_available() -> None:
    from aristobot.ui.trading_page import _head

    assert "indisponible" in _head("BTC/USDT", "")
    assert "50000" in _head("BTC/USDT", "50000") and "indisponible" not in _head("BTC/USDT", "1")


async def test_without_a_broker_orders_are_disabled_and_the_page_says_where_to_add_one(
        runtime: Runtime) -> None:
    alice = make_user(runtime.sessions)  # made without signup: no broker at all
    vm = TradingVM(runtime, alice.id)
    buy, sell = trading_page.order_buttons(vm)
    await vm.refresh()
    assert vm.broker_id is None and buy.disabled and sell.disabled
    assert vm.error == msg.NO_BROKER and "« Mon Compte »" in vm.error
    assert trading_page.total_html(vm.total_usd) == (
        "<b>Total : <span id='trade-total'>—</span></b>")  # not « Total : USD »
    with runtime.sessions.begin() as s:
        ensure_default_paper_broker(s, alice.id, "1000")
    vm.reload_brokers()
    assert vm.broker_id is not None and not buy.disabled and not sell.disabled
