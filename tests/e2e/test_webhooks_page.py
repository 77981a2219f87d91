"""« Webhooks » and « Statistiques » in a real browser, alerts posted to the real server."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import login, screenshot
from tests.support.fake_binance import FakeBinance, ThreadedFakeBinance

pytestmark = pytest.mark.e2e


@pytest.fixture
def fake_binance() -> Iterator[FakeBinance]:
    with ThreadedFakeBinance(FakeBinance(extra_symbols=5)) as fake:
        yield fake


def _post(url: str, body: str, content_type: str = "application/json") -> tuple[int, Any]:
    req = urllib.request.Request(url, data=body.encode(), method="POST",
                                 headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_source_alert_log_and_statistics(served_app: Any, new_page: Any,
                                         fake_binance: FakeBinance) -> None:
    app = served_app({"ARISTOBOT_EXCHANGE_URL_OVERRIDES": f"binance={fake_binance.url}"})
    page = new_page()
    login(page, app.base_url, next_page="webhooks")
    page.locator(".wh-name input").fill("TradingView BTC")
    page.locator(".wh-name input").press("Enter")
    page.locator(".wh-create button").click()
    page.locator("#wh-message", has_text="créée").wait_for()
    page.locator("#wh-template", has_text="strategy.order.action").wait_for()
    url = page.locator("#wh-url").inner_text().strip()
    assert re.fullmatch(r"http://(localhost|127\.0\.0\.1):\d+/webhooks/[\w-]+", url), url
    template = json.loads(page.locator("#wh-template").inner_text())
    assert template["action"] == "{{strategy.order.action}}"
    url = url.replace("localhost", "127.0.0.1")
    alert = {"secret": template["secret"], "id": "e2e-1", "action": "buy",
             "symbol": "BTCUSDT", "quantity": "0.01", "label": "<b>gras</b>",
             "note": "<script>window.__pwned = 1</script><img src=x onerror=alert(1)>"}
    code, answer = _post(url, json.dumps(alert))
    assert code == 200 and answer["status"] == "accepted", answer
    code, answer = _post(url, json.dumps(alert))
    assert answer["status"] == "duplicate"
    code, answer = _post(url, "pas du json", "text/plain")
    assert code == 400 and "ni du JSON" in answer["message"]
    log = page.locator(".wh-log")
    log.get_by_role("gridcell", name="ordre envoyé", exact=True).wait_for()  # live log, no reload
    log.get_by_role("gridcell", name="exécuté", exact=True).wait_for()
    log.get_by_role("gridcell", name="doublon", exact=True).wait_for()
    log.get_by_role("gridcell", name="invalide", exact=True).wait_for()
    # The payload is shown as text: the markup is visible, never executed.
    log.get_by_text("<script>window.__pwned = 1</script>", exact=False).first.wait_for()
    assert page.evaluate("() => window.__pwned") is None
    assert log.locator("b", has_text="gras").count() == 0
    log.get_by_role("gridcell", name="ordre envoyé", exact=True).click()
    payload = page.locator("#wh-payload", has_text="<script>window.__pwned = 1</script>")
    payload.wait_for()
    assert page.locator("#wh-payload b, #wh-payload img, #wh-payload script").count() == 0
    screenshot(page, "webhooks_dark")
    payload.scroll_into_view_if_needed()
    screenshot(page, "webhooks_log_dark")
    page.locator(".wh-search input").fill("pas du json")
    page.locator(".wh-search input").press("Enter")
    log.get_by_role("gridcell", name="doublon", exact=True).wait_for(state="detached")
    page.locator("#wh-page", has_text="1 requête").wait_for()
    # « Statistiques »: the webhook's trade under its source, exported as CSV.
    page.goto(app.page_url("stats"))
    summary = page.locator(".st-summary")
    summary.get_by_role("gridcell", name="Webhook : TradingView BTC", exact=True).wait_for()
    page.locator("#st-message", has_text="1 trade(s) exécuté(s)").wait_for()
    with page.expect_download() as dl:
        page.locator(".st-export button").click()
    csv = Path(dl.value.path()).read_text()
    assert "Webhook : TradingView BTC;" in csv and ";BTC/USDT;buy;0.01;" in csv
    screenshot(page, "stats_dark")
    _set_theme(app.database_url, "light")
    page.goto(app.page_url("stats"))
    summary.get_by_role("gridcell", name="Webhook : TradingView BTC", exact=True).wait_for()
    screenshot(page, "stats_light")
    page.goto(app.page_url("webhooks"))
    page.locator(".wh-log").get_by_role("gridcell", name="ordre envoyé", exact=True).wait_for()
    screenshot(page, "webhooks_light")


def _set_theme(database_url: str, theme: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as c:
        c.execute(text("UPDATE users SET theme = :t WHERE username = 'dev'"), {"t": theme})
    engine.dispose()
