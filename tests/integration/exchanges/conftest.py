"""Fixtures: a fake Binance on loopback and a Runtime pointed at it (real db, real ccxt)."""

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
from tests.support.factories import make_settings
from tests.support.fake_binance import FakeBinance


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinance]:
    server = await FakeBinance(extra_symbols=30).start()
    server.add_account("key-a", "secret-a", USDT="10000", BTC="0.5")
    server.add_account("key-b", "secret-b", USDT="50")
    yield server
    await server.stop()


@pytest.fixture
async def runtime(db_url: str, tmp_path: Path, fake: FakeBinance) -> AsyncIterator[Runtime]:
    settings = make_settings(tmp_path, db_url, exchange_url_overrides={"binance": fake.url})
    engine = make_engine(db_url)
    rt = Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine),
                 bus=InMemoryBus(), vault=Vault(str(settings.secret_key)))
    manager = build_manager(rt, policy=NO_WAIT)
    rt.install(EXCHANGES, manager)
    yield rt
    await rt.aclose()
