"""Brokers in a real browser: add a paper and a fake-Binance broker, see the balance, trade,
and watch the markets loading percentage in the status bar."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import login, screenshot
from tests.support.fake_binance import FakeBinance, ThreadedFakeBinance

pytestmark = pytest.mark.e2e


@pytest.fixture
def threaded_binance() -> Iterator[ThreadedFakeBinance]:
    server = ThreadedFakeBinance(FakeBinance(extra_symbols=300))
    with server as fake:
        fake.add_account("key-a", "secret-a", USDT="10000", BTC="0.5")
        yield server


def _type(page: Any, css: str, value: str) -> None:
    box = page.locator(f"{css} input")
    box.fill(value)
    box.press("Enter")


def test_add_brokers_check_keys_trade_and_load_markets(
        served_app: Any, new_page: Any, threaded_binance: ThreadedFakeBinance) -> None:
    fake_binance = threaded_binance.fake
    app = served_app({"ARISTOBOT_EXCHANGE_URL_OVERRIDES": f"binance={fake_binance.url}"})
    page = new_page()
    login(page, app.base_url, next_page="account")
    table = page.locator(".broker-table")
    table.locator("text=Paper").first.wait_for()  # dev's default paper broker from init

    # A second paper broker with its own capital.
    page.locator(".broker-add button").click()
    page.locator(".broker-form").wait_for()
    _type(page, ".broker-name", "Simulation 2")
    _type(page, ".broker-capital", "2500")
    page.locator(".broker-save button").click()
    page.locator("#broker-message", has_text="Simulation 2").wait_for()
    assert "USDT 2\u202f500,00" in page.locator("#broker-message").inner_text()

    # A Binance broker (the local fake): wrong secret first, then the right one.
    page.locator(".broker-add button").click()
    _type(page, ".broker-name", "Binance fake")
    page.locator(".broker-exchange select").select_option("binance")
    page.locator(".broker-cred-apiKey input").wait_for()
    assert page.locator(".broker-cred-password input").is_hidden()
    page.locator(".broker-cred-apiKey input").fill("key-a")
    page.locator(".broker-cred-secret input").fill("mauvais")
    page.locator(".broker-cred-secret input").press("Enter")
    page.locator(".broker-verify button").click()
    page.locator("#broker-error", has_text="Connexion refusée par Binance").wait_for()
    shown = page.locator("#broker-error").inner_text()
    assert "signature refusée" in shown  # the exchange's answer, told in French
    for leak in ("/api/", "http", "Signature for this request", "AuthenticationError"):
        assert leak not in shown
    screenshot(page, "brokers_bad_key")
    page.locator(".broker-cred-secret input").fill("secret-a")
    page.locator(".broker-cred-secret input").press("Enter")
    page.locator(".broker-verify button").click()
    page.locator("#broker-balance", has_text="USDT 10\u202f000,00").wait_for()
    screenshot(page, "brokers_balance")
    assert fake_binance.count("GET", "/api/v3/exchangeInfo") == 1  # shared by the key checks

    # Saving a new exchange loads its markets in the background: the status bar shows it
    # while the fake holds the markets answer, until the test releases it.
    hold = threaded_binance.call(lambda: fake_binance.hold("/api/v3/exchangeInfo"))
    page.locator(".broker-save button").click()
    table.locator("text=Binance fake").wait_for()
    assert "key-a" not in table.inner_text()
    page.locator("#st-markets", has_text="Chargement 'binance'").wait_for()
    screenshot(page, "brokers_markets_loading")
    threaded_binance.call(hold.release.set)
    page.locator("#st-markets", has_text="1 exchange chargé").wait_for()

    # Trade on the fake Binance from the trading page.
    page.goto(app.page_url("trading"))
    page.locator(".trade-broker select").select_option(label="Binance fake (binance)")
    page.locator("#trade-last", has_text="50\u202f000,00").wait_for()
    page.locator(".trade-qty input").fill("0.01")
    page.locator(".trade-qty input").press("Enter")
    # The server has the quantity once it answers with its USD value: only then buy (a loaded
    # machine could otherwise send the click before the quantity).
    usd = page.locator(".trade-usd input")
    page.wait_for_function("(el) => el.value === '500.00'", arg=usd.element_handle())
    page.locator(".trade-buy button").click()
    page.locator("#trade-message", has_text="exécuté").wait_for()
    page.locator(".trade-usd input").fill("")
    page.locator(".trade-qty input").fill("")
    page.locator(".trade-qty input").press("Enter")
    page.locator(".trade-usd input").fill("100")
    page.locator(".trade-usd input").press("Enter")
    qty = page.locator(".trade-qty input")
    page.wait_for_function("(el) => el.value === '0.002'", arg=qty.element_handle())
    page.locator(".trade-sell button").click()
    page.locator("#trade-message", has_text="Vente 0,002 BTC/USDT").wait_for()
    page.locator(".trade-history >> text=Vente").first.wait_for()
    screenshot(page, "trading_fake_binance")
    assert fake_binance.count("POST", "/api/v3/order") == 2
