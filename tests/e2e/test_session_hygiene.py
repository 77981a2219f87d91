"""One user session in Chromium against the real server: the messages a user reads are French
(no exchange text, endpoint or exception name), and the server log stays free of tracebacks and
asyncio/Bokeh warnings while tabs of every page are opened and closed."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from aristobot.ui.pages import PAGES
from tests.e2e.conftest import login, screenshot
from tests.support.fake_binance import FakeBinance, ThreadedFakeBinance

pytestmark = pytest.mark.e2e

# Bokeh forgets a session 15 s (its default) after its tab closed, checked every second (not
# every 17 s): the session-end path (cancelled tasks, pending writes) runs during the test. A
# shorter lifetime would also discard sessions whose page is still loading on a busy machine.
QUICK_SESSION_END = ["--check-unused-sessions", "1000"]
LEAKS = ("/api/", "http", "://", "Error", "Exception", "Traceback", "insufficient", "GET ",
         "Service Unavailable", "None")
LOG_FORBIDDEN = ("Traceback", "Task exception was never retrieved",
                 "Task was destroyed but it is pending", "W-1005", "FIXED_SIZING_MODE",
                 "Cannot start Bokeh server", "Exception in callback")
ENDED = "browser session closed"


@pytest.fixture
def threaded_binance() -> Iterator[ThreadedFakeBinance]:
    server = ThreadedFakeBinance(FakeBinance())
    with server as fake:
        fake.add_account("key-a", "secret-a", USDT="10000", BTC="0.5")
        yield server


def _no_leak(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, (leak, text)
    assert not re.search(r"\b[A-Z][a-zA-Z]+(Error|Exception|Funds|Unavailable)\b", text), text


def _wait_for_log(app: Any, needle: str, count: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while app.log().count(needle) < count:
        assert time.monotonic() < deadline, f"{count} × {needle!r} not in the log:\n{app.log()}"
        time.sleep(0.2)  # polling the log file for a condition, not a timing assertion


def test_french_messages_and_a_clean_server_log_over_a_session(
        served_app: Any, new_page: Any, threaded_binance: ThreadedFakeBinance) -> None:
    fake = threaded_binance.fake
    app = served_app({"ARISTOBOT_EXCHANGE_URL_OVERRIDES": f"binance={fake.url}"},
                     args=QUICK_SESSION_END)
    page = new_page()
    login(page, app.base_url, next_page="trading")

    # A paper order beyond the balance: the shortfall in French amounts, nothing else.
    page.locator("#trade-last", has_text=re.compile(r"50\D?000")).wait_for()
    page.locator(".trade-qty input").fill("1000")
    page.locator(".trade-qty input").press("Enter")
    usd = page.locator(".trade-usd input")
    page.wait_for_function("(el) => el.value !== ''", arg=usd.element_handle())
    page.locator(".trade-buy button").click()
    error = page.locator("#trade-error")
    expect(error).to_contain_text("Fonds insuffisants sur Paper (il faut 50", timeout=30_000)
    shown = error.inner_text()
    assert "USDT disponibles) : réduisez la quantité ou le montant de l'ordre." in shown
    _no_leak(shown)
    screenshot(page, "messages_insufficient_funds")

    # A failing exchange call (the balance endpoint down): told in French, no endpoint.
    threaded_binance.call(lambda: fake.fail("/api/v3/account", "503", times=1000))
    page.goto(app.page_url("account"))
    page.locator(".broker-add button").click()
    page.locator(".broker-form").wait_for()
    page.locator(".broker-name input").fill("Binance en panne")
    page.locator(".broker-exchange select").select_option("binance")
    page.locator(".broker-cred-apiKey input").fill("key-a")
    page.locator(".broker-cred-secret input").fill("secret-a")
    page.locator(".broker-cred-secret input").press("Enter")
    page.locator(".broker-verify button").click()
    error = page.locator("#broker-error")
    expect(error).to_contain_text("Échec de la communication avec Binance", timeout=60_000)
    _no_leak(error.inner_text())
    screenshot(page, "messages_exchange_down")
    assert "/api/v3/account" in app.log()  # the technical detail: in the log only

    # Every page in a tab of its own, closed once shown; then the first tab goes away too.
    for spec in PAGES:
        tab = page.context.new_page()
        tab.goto(app.page_url(spec.key))
        tab.wait_for_selector("#logout")
        tab.locator(".ab-card").first.wait_for()
        tab.close()
    page.goto(app.page_url("heartbeat"))
    page.wait_for_selector("#hb-stream")
    page.close()
    _wait_for_log(app, ENDED, len(PAGES) + 3)  # + the first tab's trading, account, heartbeat
    app.stop()
    log = app.log()
    for bad in LOG_FORBIDDEN:
        assert bad not in log, f"{bad!r} in the server log:\n{log[-4000:]}"
