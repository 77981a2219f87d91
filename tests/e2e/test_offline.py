"""The documented offline command (`aristobot offline`, what `./run.sh --offline` runs) in
headless Chromium: heartbeat connected and live, Binance markets loaded from the offline
Binance, a paper buy that fills, a backtest with its chart; Ctrl-C stops everything."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import INIT_PASSWORD, ServedApp, _wait_ready, free_port, login, screenshot
from tests.e2e.test_backtest_page import _add_strategy

pytestmark = pytest.mark.e2e


def _wait(cond: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"not in time: {what}")
        time.sleep(0.2)  # polling a condition, not a timing assertion


@pytest.fixture
def offline_app(tmp_path: Path) -> Iterator[ServedApp]:
    """`aristobot offline` on a free port, its own var dir, as a user would start it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARISTOBOT_")}
    env.update({"ARISTOBOT_VAR_DIR": str(tmp_path / "var"),
                "ARISTOBOT_INIT_PASSWORD": INIT_PASSWORD, "DEBUG_ARISTOBOT": "False",
                "ARISTOBOT_STRATEGY_WORKERS": "1", "PYTHONUNBUFFERED": "1"})
    log_path = tmp_path / "offline.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "aristobot.cli", "offline", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT)
    var_dir = tmp_path / "var" / "offline" / "synthetic"
    app = ServedApp(f"http://127.0.0.1:{port}", var_dir, f"sqlite:///{var_dir}/aristobot.db",
                    env, proc, log_path)
    try:
        _wait_ready(app)
        yield app
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # Ctrl-C
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _replay_port(app: ServedApp) -> int:
    m = re.search(r"Binance hors ligne : ws://127\.0\.0\.1:(\d+)", app.log())
    assert m, app.log()
    return int(m.group(1))


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _binance_markets(app: ServedApp) -> int:
    with sqlite3.connect(app.var_dir / "aristobot.db") as db:
        return int(db.execute("SELECT count(*) FROM exchange_symbols WHERE exchange = "
                              "'binance'").fetchone()[0])


def _type(page: Any, css: str, value: str) -> None:
    box = page.locator(f"{css} input")
    box.fill(value)
    box.press("Enter")


def test_offline_workbench(offline_app: ServedApp, new_page: Any) -> None:
    app = offline_app
    replay_port = _replay_port(app)
    _add_strategy(app.database_url)  # the seed's EMA 10/20 example, for « Backtest »
    page = new_page()
    login(page, app.base_url, next_page="heartbeat")
    page.locator("#hb-connected").wait_for()  # the heartbeat is on the offline Binance
    page.locator("#hb-stream .hb-trade", has_text="BTC/USDT").first.wait_for()
    screenshot(page, "offline_heartbeat_connected")
    # the status bar's « ⟳ Marchés » loads Binance's markets from the offline Binance
    page.locator("text=⟳ Marchés").click()
    page.locator("button", has_text="Confirmer").click()
    _wait(lambda: _binance_markets(app) >= 9, 60, "markets loaded")

    # « Trading manuel »: the paper broker offers them (ETH/BTC is no built-in pair); a buy
    page.goto(app.page_url("trading"))
    page.locator("#trade-last", has_text=re.compile(r"\d")).wait_for()
    _type(page, ".trade-search", "eth")
    page.locator(".trade-symbols >> text=ETH/BTC").wait_for()  # not a built-in paper pair
    _type(page, ".trade-search", "")
    _type(page, ".trade-qty", "0.001")
    usd = page.locator(".trade-usd input")  # the server has the quantity once it shows its value
    page.wait_for_function("(el) => el.value !== ''", arg=usd.element_handle())
    page.locator(".trade-buy button").click()
    page.locator("#trade-message", has_text="Achat 0,001 BTC/USDT : exécuté").wait_for()
    screenshot(page, "offline_trading_after_buy")

    # « Backtest »: 30 days of 1h candles from the offline Binance's seeded history
    page.goto(app.page_url("backtest"))
    page.locator(".bt-strategy select").wait_for()
    page.locator(".bt-run button").click()
    try:
        page.locator("#bt-message", has_text="Backtest terminé").wait_for(timeout=180_000)
    except Exception:
        screenshot(page, "offline_backtest_failed")
        raise
    page.locator(".bt-chart").first.wait_for()
    page.locator(".bt-stats").locator("text=Solde initial").wait_for()
    screenshot(page, "offline_backtest_chart")

    # back on « Heartbeat »: a live 1m signal (real time: the next minute boundary)
    page.goto(app.page_url("heartbeat"))
    page.locator("#hb-connected").wait_for()
    page.locator("#hb-box-1m .hb-live").first.wait_for(timeout=150_000)
    assert page.locator("#hb-incoherent").count() == 0
    screenshot(page, "offline_heartbeat_live")

    # Ctrl-C stops the dashboard and the offline Binance
    app.proc.send_signal(signal.SIGINT)
    assert app.proc.wait(30) == 0
    _wait(lambda: not _listening(replay_port), 30, "offline Binance stopped")
    assert (app.var_dir / "replay.state").is_file()  # a restart resumes this market
