"""The production topology for real: PostgreSQL, Redis, `services.replay`, `services.heartbeat`,
`services.engine` and `aristobot serve` as separate processes; a paper broker and a strategy
that trades; its trades visible in headless Chromium on the « Trading BOT » page."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from aristobot.brokers import ensure_default_paper_broker
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.db.models import TradeRow, UserRow
from aristobot.engine import selection
from aristobot.strategies.repository import create_strategy
from tests.e2e.conftest import ROOT, login, screenshot
from tests.support.databases import RUN_ID, redis_test_url
from tests.support.engine import strategy_code

pytestmark = [pytest.mark.e2e, pytest.mark.redis]
FLIP = strategy_code(should_long="return True", should_short="return self.position is not None",
                     size="return 100.0")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def _service(name: str, env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", f"services.{name}", *args], cwd=ROOT,
                            env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _wait(predicate: Any, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_separate_processes_trade_and_the_page_shows_it(
        served_app: Any, new_page: Any, db_url: str, tmp_path: Path,
        processes: list[subprocess.Popen[bytes]]) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the production topology runs on PostgreSQL")
    redis_url = redis_test_url()
    if redis_url is None:
        pytest.skip("Redis not configured")
    replay_log = tmp_path / "replay.log"
    replay = subprocess.Popen([sys.executable, "-m", "services.replay", "--synthetic",
                               "--speed", "30", "--port", "0", "--symbols", "BTCUSDT"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=replay_log.open("wb"))
    processes.append(replay)
    assert replay.stdout is not None
    ws_url = replay.stdout.readline().decode().split()[1]
    shared = {"ARISTOBOT_DATABASE_URL": db_url, "ARISTOBOT_REDIS_URL": redis_url,
              "ARISTOBOT_BUS_NAMESPACE": f"t{RUN_ID}topo:",
              "ARISTOBOT_SECRET_KEY": "test-secret-key-0123456789",
              "ARISTOBOT_BINANCE_WS_URL": ws_url,
              "ARISTOBOT_BINANCE_REST_URL": ws_url.replace("ws://", "http://"),
              "ARISTOBOT_HEARTBEAT_SYMBOLS": "BTCUSDT"}
    app = served_app(shared)  # migrates, creates the users, no embedded services (Redis)
    sessions = make_sessionmaker(make_engine(db_url))
    with sessions.begin() as s:
        dev = s.scalar(select(UserRow).where(UserRow.username == "dev"))
        assert dev is not None
        broker = ensure_default_paper_broker(s, dev.id, "10000")
        st = create_strategy(s, dev.id, "Bascule", FLIP, timeframe="1m", window_size=30)
        now = datetime.now(UTC)
        selection.activate(s, dev.id, strategy_id=st.id, broker_id=broker.id,
                           symbol="BTC/USDT", timeframe="1m", start=now - timedelta(days=1),
                           end=now + timedelta(days=30), now=now, limit=20)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARISTOBOT_")}
    env.update(shared, ARISTOBOT_VAR_DIR=str(tmp_path / "svc"), PYTHONUNBUFFERED="1")
    processes.append(_service("heartbeat", env, tmp_path / "heartbeat.log"))
    processes.append(_service("engine", env, tmp_path / "engine.log"))

    def filled() -> int:
        with sessions() as s:
            return int(s.scalar(select(func.count()).select_from(TradeRow).where(
                TradeRow.source == "strategy", TradeRow.status == "filled")) or 0)

    try:
        _wait(lambda: filled() >= 2, "two strategy trades", timeout=180)
    except AssertionError:
        for name in ("heartbeat", "engine"):
            print(name, (tmp_path / f"{name}.log").read_text()[-3000:])
        raise
    page = new_page()
    login(page, app.base_url, next_page="bots")
    page.locator(".bots-trades", has_text="Achat").wait_for()
    page.locator(".bots-trades", has_text="Vente").wait_for()
    page.locator("#st-engine", has_text="Moteur actif").wait_for()
    screenshot(page, "bots_production_topology")
