"""« Heartbeat » in headless Chromium with the replay running: stream moves, green signals."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, login, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def replay() -> Iterator[str]:
    """`python -m services.replay` on a free port: synthetic market, 1 market minute per second."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.replay", "--synthetic", "--speed", "60", "--port", "0",
         "--rate", "20"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("REPLAY_URL "), line
        yield line.split()[1]
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_stream_moves_and_green_signals_appear(served_app: Any, new_page: Any,
                                               replay: str) -> None:
    rest = replay.replace("ws://", "http://")
    app = served_app({"ARISTOBOT_BINANCE_WS_URL": replay, "ARISTOBOT_BINANCE_REST_URL": rest})
    page = new_page()
    login(page, app.base_url, next_page="heartbeat")
    # Each trade told readably: time, symbol, price, quantity, side (not a cut JSON line).
    row = page.locator("#hb-stream .hb-trade", has_text="BTC/USDT").first
    row.wait_for()
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", row.locator(".hb-time").inner_text())
    # French numbers: « 66 123,45 » (narrow no-break space, decimal comma)
    french = re.compile(r"\d{1,3}(\u202f\d{3})*(,\d+)?")
    assert french.fullmatch(row.locator(".hb-price").inner_text())
    assert french.fullmatch(row.locator(".hb-qty").inner_text())
    assert row.locator(".hb-side").inner_text() in ("Achat", "Vente")
    assert "{" not in page.locator("#hb-stream").inner_text()  # no raw JSON shown
    first = page.locator("#hb-stream .hb-trade").first.inner_text()
    expect(page.locator("#hb-stream .hb-trade").first).not_to_have_text(first)  # it moves
    page.locator("#hb-box-1m .hb-live").first.wait_for()
    page.locator("#hb-box-3m .hb-live").first.wait_for()
    page.locator("#hb-connected").wait_for()
    expect(page.locator("#hb-checks")).to_contain_text("vérifiées")  # the verification counts
    expect(page.locator("#hb-checks")).not_to_contain_text("vérifiées : 0 /")  # it verifies
    label = page.locator("#hb-box-1m .hb-live").first.inner_text()
    assert len(label) == len("26.11.26_04:05") and label[8] == "_"
    assert "p99" in page.locator("#hb-box-1m .hb-delay").inner_text()  # "—": accelerated feed
    screenshot(page, "heartbeat_live")
