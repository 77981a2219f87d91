"""Fixtures: a runtime on a real database, a fake Binance (real ccxt), a real worker pool."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aristobot.brokers.connections import EXCHANGES, build_manager
from aristobot.bus import InMemoryBus
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.exchanges.retry import NO_WAIT
from aristobot.runtime import Runtime
from aristobot.security import Vault
from aristobot.strategies import StrategyPool
from tests.support.engine import CandlePrices
from tests.support.factories import make_settings
from tests.support.fake_binance import FakeBinance


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinance]:
    server = await FakeBinance().start()
    yield server
    await server.stop()


@pytest.fixture
async def runtime(db_url: str, tmp_path: Path, fake: FakeBinance) -> AsyncIterator[Runtime]:
    settings = make_settings(tmp_path, db_url, exchange_url_overrides={"binance": fake.url},
                             candle_wait_s=2.0)
    engine = make_engine(db_url)
    rt = Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine),
                 bus=InMemoryBus(), vault=Vault(str(settings.secret_key)))
    manager = build_manager(rt, policy=NO_WAIT)
    manager.prices = CandlePrices(rt.sessions)  # type: ignore[assignment]
    rt.install(EXCHANGES, manager)
    yield rt
    await rt.aclose()


@pytest.fixture
async def pool() -> AsyncIterator[StrategyPool]:
    p = StrategyPool(2, memory_mb=768, call_timeout_s=3.0)
    yield p
    await p.aclose()
