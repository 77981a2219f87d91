"""Run the heartbeat service against the replay server over a real loopback websocket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aristobot.bus import Bus, Channels
from aristobot.bus.message import Message
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.db.models import CandleRow
from aristobot.heartbeat.service import HeartbeatService
from aristobot.market import BinanceTradeStream
from aristobot.replay import ReplayServer, SyntheticMarket
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


@asynccontextmanager
async def running(
    db_url: str, bus: Bus, tmp_path: Path, *, symbols: tuple[str, ...] = ("BTCUSDT",),
    speed: float = 120.0, seed: int = 7, clock: Callable[[], float] = time.time,
) -> AsyncIterator[Harness]:
    start = market_start()
    market = SyntheticMarket(symbols, seed=seed, start_ms=start, rate_per_s=30)
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    sub = await bus.subscribe(Channels.HEARTBEAT, maxsize=100_000)
    async with ReplayServer(market.trades(), speed=speed) as server:
        settings = make_settings(tmp_path, db_url, heartbeat_symbols=symbols,
                                 binance_ws_url=server.url, binance_rest_url=server.rest_url)
        stream = BinanceTradeStream(server.url, symbols, backoff_base_s=0.02, backoff_cap_s=0.1)
        service = HeartbeatService(settings, sessions, bus, stream=stream,
                                   backfill_period_s=0.1, backfill_attempts=1000, clock=clock)
        h = Harness(server, service, sessions, start, seed, symbols)

        async def collect() -> None:
            async for m in sub:
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
            collector.cancel()
            await sub.close()
            engine.dispose()
