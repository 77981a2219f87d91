"""The trading page's view-model and page build, without a browser."""

from __future__ import annotations

from bokeh.document import Document

from aristobot.accounts.users import get_user
from aristobot.brokers import ensure_default_paper_broker
from aristobot.exchanges import get_manager
from aristobot.exchanges.paper import FixedPrices
from aristobot.runtime import Runtime
from aristobot.ui import trading_page
from aristobot.ui.pages import PageContext
from aristobot.ui.trading_vm import TradingVM
from tests.support.factories import make_user


async def test_vm_converts_and_trades_on_the_default_paper_broker(runtime: Runtime) -> None:
    dev = make_user(runtime.sessions, "dev", "motdepasse-dev-123")
    with runtime.sessions.begin() as s:
        pid = ensure_default_paper_broker(s, dev.id, "1000").id
    get_manager(runtime).prices = FixedPrices({"BTC/USDT": "20000", "ETH/USDT": "1000"})  # type: ignore[assignment]
    vm = TradingVM(runtime, dev.id)
    assert vm.broker_id == pid  # default broker preselected
    await vm.refresh()
    assert vm.symbol == "BTC/USDT" and vm.last_price == "20000" and vm.total_usd == "1 000.00"
    vm.quantity = "0,01"
    assert vm.usd == "200.00"
    vm.usd = "100"
    assert vm.quantity == "0.005"
    await vm.buy()
    assert vm.error == "" and "exécuté" in vm.message
    assert set(vm.portfolio["Actif"]) == {"BTC", "USDT"}
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
    page.get_root(Document())
