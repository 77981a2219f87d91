"""Run the heartbeat service against the replay server over a real loopback websocket."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aristobot.bus import Bus, Channels, InMemoryBus
from aristobot.bus.message import Message
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.db.models import CandleRow
from aristobot.heartbeat.service import HeartbeatService
from aristobot.market import BinanceTradeStream
from aristobot.replay import ReplayServer, SyntheticMarket
from aristobot.replay.sources import TapeTrade
from tests.support import databases as dbs
from tests.support.factories import make_settings

H4 = 4 * 3600_000


#: a fixed historical 4 h boundary (2024-01-01 04:00 UTC): tests never depend on the wall clock
BOUNDARY_MS = 1_704_081_600_000


def market_start() -> int:
    """Ten market seconds before a 4 h boundary, so every timeframe closes quickly."""
    return BOUNDARY_MS - 10_000


@dataclass
class Harness:
    server: ReplayServer
    service: HeartbeatService
    sessions: sessionmaker[Session]
    start_ms: int
    seed: int
    symbols: tuple[str, ...]
    signals: list[Message] = field(default_factory=list)

    async def wait_for(self, cond: Callable[[], bool], timeout: float = 20.0) -> None:
        """Wait for a condition (polling the event loop, never a fixed sleep)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not cond():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.02)

    def count(self, tf: str) -> int:
        return sum(1 for m in self.signals if m.payload["signal"] == tf)

    def db_candles(self, symbol: str, tf: str) -> pd.DataFrame:
        with self.sessions() as s:
            rows = s.scalars(
                select(CandleRow).where(CandleRow.symbol == symbol, CandleRow.timeframe == tf)
                .order_by(CandleRow.open_time)
            ).all()
        return pd.DataFrame(
            [(int(r.open_time.timestamp() * 1000), r.open, r.high, r.low, r.close, r.volume)
             for r in rows],
            columns=["t", "open", "high", "low", "close", "volume"],
        )

    def reference_1m(self, symbol: str, end_ms: int) -> pd.DataFrame:
        """Candles computed with pandas from the same seeded trades (an independent method)."""
        market = SyntheticMarket(self.symbols, seed=self.seed, start_ms=self.start_ms,
                                 rate_per_s=30)
        rows = []
        for t in market.trades():
            if t.ts_ms >= end_ms:
                break
            if t.symbol == symbol:
                rows.append((t.ts_ms, Decimal(t.price), Decimal(t.qty)))
        df = pd.DataFrame(rows, columns=["ts", "price", "qty"])
        df.index = pd.to_datetime(df["ts"], unit="ms", utc=True)
        g = df.groupby(df.index.floor("1min"))
        out = pd.DataFrame({
            "open": g["price"].first(), "high": g["price"].max(), "low": g["price"].min(),
            "close": g["price"].last(), "volume": g["qty"].sum(),
        })
        out["t"] = [int(i.timestamp() * 1000) for i in out.index]
        return out.reset_index(drop=True)


class ThreadedReplay:
    """The replay server on its own thread and event loop: it can be frozen like a stalled
    process (``stall``) while the heartbeat's loop keeps running, as with SIGSTOP."""

    def __init__(self, trades: Iterator[TapeTrade], speed: float) -> None:
        self.server = ReplayServer(trades, speed=speed)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def __aenter__(self) -> ReplayServer:
        self._thread.start()
        await asyncio.wrap_future(
            asyncio.run_coroutine_threadsafe(self.server.start(), self.loop))
        return self.server

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop))
        self.loop.call_soon_threadsafe(self.loop.stop)
        await asyncio.to_thread(self._thread.join, 10)
        self.loop.close()

    def stall(self, wall_seconds: float) -> None:
        """Freeze the replay (frames and REST) for ``wall_seconds``; its clock keeps going."""
        self.loop.call_soon_threadsafe(time.sleep, wall_seconds)  # the injected fault itself


@asynccontextmanager
async def running(
    db_url: str, bus: Bus, tmp_path: Path, *, symbols: tuple[str, ...] = ("BTCUSDT",),
    speed: float = 120.0, seed: int = 7, clock: Callable[[], float] = time.time,
    threaded: ThreadedReplay | None = None, market_clock: bool = False,
    backoff_base_s: float = 0.02,
) -> AsyncIterator[Harness]:
    """Run the heartbeat against a replay (``market_clock``: the service's clock is the
    replay's market clock, so an accelerated replay behaves like a live feed in every way)."""
    start = market_start()
    market = SyntheticMarket(symbols, seed=seed, start_ms=start, rate_per_s=30)
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    sub = await bus.subscribe(Channels.HEARTBEAT, maxsize=100_000)
    replay: Any = threaded or ReplayServer(market.trades(), speed=speed)
    async with replay as server:
        if market_clock:
            def clock() -> float:
                return (server.market_time_ms() or start) / 1000

        settings = make_settings(tmp_path, db_url, heartbeat_symbols=symbols,
                                 binance_ws_url=server.url, binance_rest_url=server.rest_url)
        stream = BinanceTradeStream(server.url, symbols, backoff_base_s=backoff_base_s,
                                    backoff_cap_s=max(0.1, backoff_base_s))
        service = HeartbeatService(settings, sessions, bus, stream=stream,
                                   backfill_period_s=0.1, backfill_attempts=1000, clock=clock)
        h = Harness(server, service, sessions, start, seed, symbols)

        async def collect() -> None:
            async for m in sub:
                if m.type == _DRAINED:
                    return
                h.signals.append(m)

        collector = asyncio.ensure_future(collect())
        task = asyncio.ensure_future(service.run())
        try:
            yield h
        finally:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            # Published after the service stopped, the sentinel arrives after every signal it
            # published: the signals still in flight (Redis) are collected, not cut off.
            try:
                await bus.publish(Channels.HEARTBEAT, _DRAINED, {})
                await asyncio.wait_for(asyncio.shield(collector), 30)
            except Exception:  # a test that broke the bus on purpose: keep what arrived
                collector.cancel()
            await sub.close()
            engine.dispose()


_DRAINED = "test-drained"


@pytest.fixture(params=["sqlite+memory", "postgresql+redis"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: dbs.SqliteTemplate
) -> AsyncIterator[tuple[str, Bus]]:
    """The two runtimes: SQLite + in-process bus; PostgreSQL + Redis when configured."""
    if request.param == "sqlite+memory":
        yield sqlite_template.fresh_url(tmp_path), InMemoryBus()
        return
    url = request.getfixturevalue("pg_url")
    redis_url = dbs.redis_test_url()
    if url is None or redis_url is None:
        pytest.skip("PostgreSQL or Redis not configured")
    engine = make_engine(url)
    dbs.truncate_all(engine)
    engine.dispose()
    from aristobot.bus.redis_bus import RedisBus

    rb = RedisBus(redis_url, namespace=f"t{dbs.RUN_ID}:")
    await rb.ping()
    yield url, rb
    await rb.close()


def threaded_replay(speed: float, symbols: tuple[str, ...] = ("BTCUSDT",),
                    seed: int = 7) -> ThreadedReplay:
    market = SyntheticMarket(symbols, seed=seed, start_ms=market_start(), rate_per_s=30)
    return ThreadedReplay(market.trades(), speed)


def reference(h: Harness, symbol: str, tf: str, end_ms: int) -> pd.DataFrame:
    """Independent candles of any timeframe (pandas resampling of the reference minutes)."""
    one = h.reference_1m(symbol, end_ms)
    if tf == "1m":
        return one
    idx = pd.to_datetime(one["t"], unit="ms", utc=True)
    g = one.set_index(idx).resample(tf.replace("m", "min"))
    out = pd.DataFrame({"open": g["open"].first(), "high": g["high"].max(),
                        "low": g["low"].min(), "close": g["close"].last(),
                        "volume": g["volume"].sum()})
    out["t"] = [int(i.timestamp() * 1000) for i in out.index]
    return out.reset_index(drop=True)
