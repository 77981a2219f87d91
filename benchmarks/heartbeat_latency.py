"""Boundary → signal latency in real-time mode (replay at speed 1, timestamps = now).

    .venv/bin/python benchmarks/heartbeat_latency.py --minutes 3

Prints every signal's latency (local clock at publication minus the candle boundary) and the
p50/p99/max per run. The replay runs in this process on loopback; persistence is on (SQLite).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import numpy as np

from aristobot.bus import Channels, InMemoryBus
from aristobot.config import Settings
from aristobot.db.engine import make_engine, make_sessionmaker, migrate
from aristobot.heartbeat.service import HeartbeatService
from aristobot.replay import ReplayServer, SyntheticMarket


async def main(minutes: float, rate: float) -> None:
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp}/bench.db"
    migrate(url)
    engine = make_engine(url)
    bus = InMemoryBus()
    sub = await bus.subscribe(Channels.HEARTBEAT, maxsize=100_000)
    symbols = ("BTCUSDT", "ETHUSDT")
    market = SyntheticMarket(symbols, start_ms=int(time.time() * 1000), rate_per_s=rate)
    async with ReplayServer(market.trades(), speed=1.0) as server:
        settings = Settings(var_dir=tmp, database_url=url, binance_ws_url=server.url,
                            binance_rest_url=server.rest_url, heartbeat_symbols=symbols)
        service = HeartbeatService(settings, make_sessionmaker(engine), bus)
        task = asyncio.ensure_future(service.run())
        lat: list[float] = []
        deadline = time.monotonic() + minutes * 60
        while time.monotonic() < deadline:
            try:
                msg = await sub.get(timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
            p = msg.payload
            if p["latency_ms"] is not None:
                lat.append(p["latency_ms"])
                print(f"{p['signal']:>4} {p['candle_close_time']}  {p['latency_ms']:7.1f} ms",
                      flush=True)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    engine.dispose()
    if lat:
        a = np.array(lat)
        print(f"signals={len(a)} p50={np.percentile(a, 50):.1f} ms "
              f"p99={np.percentile(a, 99):.1f} ms max={a.max():.1f} ms (rate {rate}/s per market)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--rate", type=float, default=20.0, help="trades per second")
    args = ap.parse_args()
    asyncio.run(main(args.minutes, args.rate))
