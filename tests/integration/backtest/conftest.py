"""Fixtures of the backtest integration tests: a runtime wired to a local fake Binance."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aristobot.brokers.repository import ensure_default_paper_broker
from aristobot.db.models import StrategyRow
from aristobot.runtime import Runtime, build_runtime
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE
from tests.support.factories import make_settings, make_user
from tests.support.fake_binance import FakeBinance


@dataclass
class World:
    runtime: Runtime
    fake: FakeBinance
    user_id: int
    broker_id: int
    strategy_id: int


@pytest.fixture
async def world(tmp_path: Path, db_url: str) -> AsyncIterator[World]:
    fake = await FakeBinance().start()
    settings = make_settings(tmp_path / "var", db_url,
                             exchange_url_overrides={"binance": fake.url})
    runtime = build_runtime(settings, run_migrations=False)
    user = make_user(runtime.sessions)
    with runtime.sessions.begin() as s:
        broker = ensure_default_paper_broker(s, user.id, "10000")
        row = StrategyRow(user_id=user.id, name="EMA 10/20", code=EMA_CROSS_EXAMPLE,
                          timeframe="5m", window_size=200)
        s.add(row)
        s.flush()
        strategy_id = row.id
    yield World(runtime, fake, user.id, broker.id, strategy_id)
    await runtime.aclose()
    await fake.stop()


