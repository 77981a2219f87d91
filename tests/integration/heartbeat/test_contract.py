"""The signal contract, coherence states and verification, driven frame by frame."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

from aristobot.bus import Bus, Channels, InMemoryBus, Message
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.db.models import AlertRow, HeartbeatSignalRow, HeartbeatStatusRow
from aristobot.domain.timeframe import ms_to_utc
from aristobot.heartbeat import store
from aristobot.heartbeat.service import HeartbeatService
from aristobot.market import BinanceTradeStream
from aristobot.market.binance_rest import Kline
from aristobot.status import read_status
from aristobot.ui.heartbeat_vm import HeartbeatVM, connection_html
from aristobot.ui.status_bar import render_status
from tests.integration.heartbeat.test_service import raw_trade
from tests.support.factories import make_settings

T = 1_704_081_600_000  # 2024-01-01 04:00 UTC


class Clock:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> float:
        return self.ms / 1000


OHLCV = tuple[float, float, float, float, float]


def klines_from(table: dict[int, OHLCV]) -> Callable[..., object]:
    async def fetch(symbol: str, interval: str, start: int, end: int) -> list[Kline]:
        return [Kline(t, *ohlcv, 1) for t, ohlcv in sorted(table.items()) if start <= t < end]
    return fetch


async def collect(bus: Bus) -> tuple[list[Message], asyncio.Task[None]]:
    got: list[Message] = []
    sub = await bus.subscribe(Channels.HEARTBEAT, maxsize=1000)

    async def run() -> None:
        try:
            async for m in sub:
                got.append(m)
        finally:
            await sub.close()

    return got, asyncio.ensure_future(run())


async def until(cond: Callable[[], bool]) -> None:
    async def poll() -> None:
        while not cond():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), 20)


async def test_no_signal_for_a_candle_that_never_exists(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    bus = InMemoryBus()
    got, task = await collect(bus)
    settings = make_settings(tmp_path, db_url, heartbeat_symbols=("BTCUSDT",))
    clock = Clock(T)
    table = {T + 60_000: (100.0, 100.0, 100.0, 100.0, 1.0)}  # minute T is never published
    service = HeartbeatService(settings, sessions, bus, fetch_klines=klines_from(table),
                               clock=clock, backfill_attempts=2)
    service.on_connected("ws://test")
    await service.process([raw_trade(1, T + 1000)])  # started inside minute T: partial
    clock.ms = T + 61_000
    await service.process([raw_trade(2, T + 61_000)])  # T closes: a hole, its signal waits
    clock.ms = T + 121_000
    await service.process([raw_trade(3, T + 121_000)])  # T+1 closes, complete: on time
    await service.persister.flush()
    await until(lambda: len(got) == 1)
    assert got[0].payload["open_time_ms"] == T + 60_000 and got[0].payload["late"] is False
    assert await service.backfill() == 1 and await service.backfill() == 0  # given up
    await service.persister.flush()
    await asyncio.sleep(0)
    assert [m.payload["open_time_ms"] for m in got if m.payload["signal"] == "1m"] == [T + 60_000]
    assert service.counters["dropped_signals"] == 1
    with sessions() as s:
        stored = [r.candle_open_time.timestamp() * 1000
                  for r in s.scalars(select(HeartbeatSignalRow)).all()]
    assert T not in stored and T + 60_000 in stored
    task.cancel()
    engine.dispose()


async def test_a_late_signal_is_published_after_its_backfill(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    bus = InMemoryBus()
    got, task = await collect(bus)
    settings = make_settings(tmp_path, db_url, heartbeat_symbols=("BTCUSDT",))
    clock = Clock(T)
    table = {T: (100.0, 101.0, 99.0, 100.5, 3.0)}
    service = HeartbeatService(settings, sessions, bus, fetch_klines=klines_from(table),
                               clock=clock)
    service.on_connected("ws://test")
    await service.process([raw_trade(1, T + 1000)])
    clock.ms = T + 61_000
    await service.process([raw_trade(2, T + 61_000)])
    await service.persister.flush()
    assert not [m for m in got if m.payload["open_time_ms"] == T]  # held: not stored yet
    clock.ms = T + 64_500
    assert await service.backfill() == 0
    await service.persister.flush()
    await until(lambda: any(m.payload["open_time_ms"] == T for m in got))
    late = next(m.payload for m in got if m.payload["open_time_ms"] == T)
    assert late["late"] is True and late["delay_ms"] == 3_500 and late["latency_ms"] is None
    assert late["signal"] == "1m"  # the usual fields are all there: compatible consumers
    candles = service.persister  # the candle was committed before the publication
    assert candles.failures == 0
    task.cancel()
    engine.dispose()


async def test_verification_replaces_a_wrong_candle_and_rebuilds_longer_ones(
    db_url: str, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    settings = make_settings(tmp_path, db_url, heartbeat_symbols=("BTCUSDT",))
    clock = Clock(T)
    # Binance's own klines differ from our trades for minute T+1 (close and volume)
    table = {T + 60_000: (100.0, 100.0, 100.0, 104.0, 5.0),
             T: (100.0, 100.0, 100.0, 100.0, 1.0), T + 120_000: (100.0, 100.0, 100.0, 100.0, 1.0)}
    service = HeartbeatService(settings, sessions, InMemoryBus(),
                               fetch_klines=klines_from(table), clock=clock)
    await service.persister.call(store.mark_start, ms_to_utc(T), ["BTC/USDT"])
    service.on_connected("ws://test")
    for i, t in enumerate((T - 1000, T + 500, T + 61_000, T + 121_000, T + 181_000)):
        clock.ms = t
        await service.process([raw_trade(i + 1, t)])
    clock.ms = T + 185_000
    assert service.status["is_coherent"] is None  # nothing verified yet: unknown
    assert await service.verify() == 0  # first differing answer: asked again to confirm
    assert service.status["is_coherent"] is False
    clock.ms = T + 187_000
    assert await service.verify() == 1
    assert service.counters["corrected"] == 1 and service.counters["verified"] == 3
    clock.ms = T + 190_000
    await service.backfill()  # the 3m candle holding T+1: a first answer from Binance ...
    await service.backfill()  # ... confirmed by a second: rebuilt from it
    await service.persister.flush()
    from tests.integration.heartbeat.conftest import Harness

    h = Harness(None, service, sessions, T, 0, ("BTCUSDT",))  # type: ignore[arg-type]
    one = h.db_candles("BTC/USDT", "1m").set_index("t")
    assert float(one.at[T + 60_000, "close"]) == 104.0 and float(one.at[T + 60_000, "volume"]) == 5
    three = h.db_candles("BTC/USDT", "3m").set_index("t")
    assert float(three.at[T, "close"]) == 100.0 and float(three.at[T, "volume"]) == 7.0
    with sessions() as s:
        fix = s.scalars(select(AlertRow).where(AlertRow.kind == "heartbeat_correction")).one()
        row = s.scalars(select(HeartbeatStatusRow)).one()
    assert "BTC/USDT 1m du 2024-01-01 04:01 UTC corrigée" in fix.message
    assert "clôture 100 → 104" in fix.message and "3m" in fix.message
    assert (row.candles_verified, row.candles_corrected) == (3, 1)
    assert service.status["is_coherent"] is True
    engine.dispose()


async def test_a_disconnect_is_alerted_with_its_duration(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    settings = make_settings(tmp_path, sqlite_url, heartbeat_symbols=("BTCUSDT",))
    clock = Clock(T)
    service = HeartbeatService(settings, sessions, InMemoryBus(), clock=clock)
    service.on_disconnected("connexion refusée par le serveur")  # before any connection
    service.on_connected("ws://test")
    service.on_disconnected("connexion perdue")
    clock.ms = T + 12_300
    service.on_connected("ws://test")
    await service.persister.flush()
    with sessions() as s:
        down = s.scalars(select(AlertRow).where(AlertRow.kind == "heartbeat_disconnect")).all()
    assert len(down) == 1
    assert "perdue pendant 12,3 s (connexion perdue)" in down[0].message
    await asyncio.sleep(0)
    engine.dispose()


async def test_never_connected_is_unknown_everywhere(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        url = f"ws://127.0.0.1:{sock.getsockname()[1]}"
    settings = make_settings(tmp_path, db_url, heartbeat_symbols=("BTCUSDT",),
                             binance_ws_url=url)
    stream = BinanceTradeStream(url, ("BTCUSDT",), backoff_base_s=0.02, backoff_cap_s=0.05)
    bus = InMemoryBus()
    service = HeartbeatService(settings, sessions, bus, stream=stream)
    task = asyncio.ensure_future(service.run())
    await until(lambda: stream.failures >= 2)
    assert service.status["is_coherent"] is None
    await service.persister.flush()
    from datetime import UTC, datetime

    with sessions() as s:
        status = read_status(s, datetime.now(UTC), debug_allowed=False)
    assert status.heartbeat_coherent is None
    assert "Inconnu" in render_status(status, user_id=1)
    vm = HeartbeatVM(SimpleNamespace(sessions=sessions, bus=bus), "UTC")
    vm.load()
    assert vm.is_coherent is None
    page = connection_html(vm.is_connected, vm.is_coherent, vm.last_error, 0, vm.verified,
                           vm.corrected)
    assert "Inconnu" in page and "Cohérent" not in page and "Déconnecté" in page
    assert "vérifiées : 0 / corrigées : 0" in page
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    engine.dispose()


async def test_a_candle_binance_never_publishes_is_alerted_unverified(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    settings = make_settings(tmp_path, sqlite_url, heartbeat_symbols=("BTCUSDT",))
    clock = Clock(T)
    service = HeartbeatService(settings, sessions, InMemoryBus(), fetch_klines=klines_from({}),
                               clock=clock)
    service.verifier.max_tries = 2
    service.on_connected("ws://test")
    for i, t in enumerate((T - 1000, T + 500, T + 61_000)):
        clock.ms = t
        await service.process([raw_trade(i + 1, t)])
    clock.ms = T + 63_000
    await service.verify()  # no kline: asked again later
    clock.ms = T + 65_000
    await service.verify()  # still none: given up, said so
    await service.persister.flush()
    with sessions() as s:
        alert = s.scalars(select(AlertRow).where(AlertRow.kind == "heartbeat_unverifiable")).one()
    assert "BTC/USDT 1m du 2024-01-01 04:00 UTC non vérifiée" in alert.message
    assert service.counters["verified"] == 0 and service.status["is_coherent"] is None
    await asyncio.sleep(0)
    engine.dispose()
