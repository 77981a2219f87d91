"""« Trading manuel » in a real browser: paper broker by default, buy/sell by quantity and USD."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import login, screenshot
from tests.support.fake_binance import FakeBinance, ThreadedFakeBinance

pytestmark = pytest.mark.e2e


@pytest.fixture
def fake_binance() -> Iterator[FakeBinance]:
    with ThreadedFakeBinance(FakeBinance(extra_symbols=40)) as fake:
        fake.add_account("key-a", "secret-a", USDT="10000", BTC="0.5")
        yield fake


def _type(page: Any, css: str, value: str) -> None:
    box = page.locator(f"{css} input")
    box.fill(value)
    box.press("Enter")


def test_paper_trading_by_quantity_and_usd(served_app: Any, new_page: Any,
                                           fake_binance: FakeBinance) -> None:
    app = served_app({"ARISTOBOT_EXCHANGE_URL_OVERRIDES": f"binance={fake_binance.url}"})
    page = new_page()
    login(page, app.base_url, next_page="trading")
    page.locator("#trade-last", has_text="50\u202f000,00").wait_for()  # price via the fake ticker
    assert page.locator("#trade-total").inner_text() == "10\u202f000,00"
    assert "Paper (paper)" in page.locator(".trade-broker select").inner_text()
    page.locator(".trade-symbols", has_text="BTC/USDT").wait_for()  # built-in paper markets
    _type(page, ".trade-search", "eth")
    page.locator(".trade-symbols >> text=BTC/USDT").wait_for(state="detached")
    page.locator(".trade-symbols >> text=ETH/USDT").wait_for()
    _type(page, ".trade-search", "")
    _type(page, ".trade-qty", "0.01")
    usd = page.locator(".trade-usd input")
    page.wait_for_function("(el) => el.value === '500.00'", arg=usd.element_handle())
    page.locator(".trade-buy button").click()
    page.locator("#trade-message", has_text="Achat 0,01 BTC/USDT : exécuté").wait_for()
    screenshot(page, "trading_after_buy")
    _type(page, ".trade-qty", "")
    _type(page, ".trade-usd", "100")
    qty = page.locator(".trade-qty input")
    page.wait_for_function("(el) => el.value === '0.002'", arg=qty.element_handle())
    page.locator(".trade-sell button").click()
    page.locator("#trade-message", has_text="Vente 0,002 BTC/USDT : exécuté").wait_for()
    history = page.locator(".trade-history")
    history.locator("text=Achat").first.wait_for()
    history.locator("text=Vente").first.wait_for()
    _type(page, ".trade-qty", "0.000001")
    page.locator(".trade-buy button").click()
    page.locator("#trade-error", has_text="trop précise").wait_for()
    portfolio = page.locator(".trade-portfolio")
    portfolio.locator("text=BTC").first.wait_for()
    screenshot(page, "trading_page")


def test_portfolio_takes_the_whole_row_on_a_narrow_screen(served_app: Any, new_page: Any,
                                                          fake_binance: FakeBinance) -> None:
    app = served_app({"ARISTOBOT_EXCHANGE_URL_OVERRIDES": f"binance={fake_binance.url}"})
    page = new_page()
    page.set_viewport_size({"width": 1024, "height": 900})
    login(page, app.base_url, next_page="trading")
    portfolio, symbols = page.locator(".trade-portfolio"), page.locator(".trade-symbols")
    symbols.locator("text=BTC/USDT").first.wait_for()
    orders = page.locator(".trade-orders")

    def boxes() -> tuple[Any, Any, Any]:
        return portfolio.bounding_box(), symbols.bounding_box(), orders.bounding_box()

    for _ in range(120):  # the table follows its card's width a few frames later
        p, s, o = boxes()
        if p and o and p["width"] >= o["width"] - 4:
            break
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(true)))")
    assert p and s and o and p["width"] >= o["width"] - 4, (p, o)  # as wide as full-row cards
    assert s["y"] > p["y"] + p["height"], (p, s)  # symbols wrapped below the portfolio
    screenshot(page, "trading_1024")
