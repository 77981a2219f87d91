"""The engine as a service on a real bus (in-process and Redis): signals arrive as messages,
a duplicated signal decides once, a late signal is skipped, the status is published."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from aristobot.brokers.connections import EXCHANGES, build_manager
from aristobot.bus import Bus, Channels
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.db.models import StrategyDecisionRow, TradeRow
from aristobot.engine.service import Engine
from aristobot.exchanges.retry import NO_WAIT
from aristobot.runtime import Runtime
from aristobot.security import Vault
from aristobot.strategies import StrategyPool
from tests.support.engine import ALWAYS_LONG, CandlePrices, activate, add_candles, minutes, signal
from tests.support.factories import make_settings, make_user

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
async def bus_runtime(db_url: str, tmp_path: Path, bus: Bus) -> AsyncIterator[Runtime]:
    settings = make_settings(tmp_path, db_url)
    engine = make_engine(db_url)
    rt = Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine), bus=bus,
                 vault=Vault(str(settings.secret_key)))
    manager = build_manager(rt, policy=NO_WAIT)
    manager.prices = CandlePrices(rt.sessions)  # type: ignore[assignment]
    rt.install(EXCHANGES, manager)
    yield rt
    await manager.aclose()
    engine.dispose()


async def _until(predicate: object, what: str) -> None:
    for _ in range(600):
        if predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_signals_from_the_bus(bus_runtime: Runtime, pool: StrategyPool) -> None:
    rt = bus_runtime
    alice = make_user(rt.sessions)
    opens = add_candles(rt.sessions, "BTC/USDT", "1m", T0, [100, 101, 102, 103])
    aid = activate(rt.sessions, alice.id, ALWAYS_LONG, name="Bus", start=T0,
                   end=T0 + minutes(60))
    status = await rt.bus.subscribe(Channels.ENGINE_STATUS)
    engine = Engine(rt, decider=pool, fetch_candles=False, candle_wait_s=1.0)
    task = asyncio.get_running_loop().create_task(engine.run())
    try:
        await asyncio.wait_for(engine.ready.wait(), 60)
        for _ in range(2):  # two heartbeats publish the same boundary
            await rt.bus.publish(Channels.HEARTBEAT, "signal", signal("1m", opens[-1]))
        await rt.bus.publish(Channels.HEARTBEAT, "signal",
                             {**signal("1m", opens[-2]), "late": True, "delay_ms": 95_000})
        await _until(lambda: len(engine.reports) == 3, "three signals handled")
        with rt.sessions() as s:
            rows = {r.candle_open_time: r for r in s.scalars(select(StrategyDecisionRow))}
            trades = list(s.scalars(select(TradeRow).where(TradeRow.active_strategy_id == aid)))
        assert len(trades) == 1 and trades[0].status == "filled"
        assert rows[opens[-1]].status == "decided"
        assert rows[opens[-2]].status == "skipped" and "en retard" in (rows[opens[-2]].reason
                                                                        or "")
        statuses = sorted(o.status for r in engine.reports for o in r.outcomes)
        assert statuses == ["decided", "duplicate", "skipped"]
        msg = await status.get(timeout=30)
        assert msg.payload["alive"] is True
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    last = None
    while (m := status.get_nowait()) is not None or last is None:
        if m is None:
            m = await status.get(timeout=30)
        last = m
        if m.payload["alive"] is False:
            break
    assert last is not None and last.payload["alive"] is False  # a clean stop says so
    await status.close()
