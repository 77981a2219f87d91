"""End-to-end throughput: replay process → loopback websocket → heartbeat → bus + database.

    .venv/bin/python benchmarks/heartbeat_e2e.py --frames 500000
    .venv/bin/python benchmarks/heartbeat_e2e.py --frames 300000 --redis redis://127.0.0.1:6379/0

The replay (``python -m services.replay --speed max``) runs in its own process and sends as
fast as the heartbeat reads. Persistence is on (SQLite, or ``--db`` for PostgreSQL); every raw
frame goes to ``StreamBrut``; a subscriber counts ``Heartbeat`` signals to check none dropped.
The verification of every closed 1m candle against the replay's REST klines runs as in
production (its counts are printed).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from aristobot.bus import Bus, Channels, InMemoryBus
from aristobot.config import Settings
from aristobot.db.engine import make_engine, make_sessionmaker, migrate
from aristobot.db.models import CandleRow, HeartbeatSignalRow
from aristobot.heartbeat.service import HeartbeatService

ROOT = Path(__file__).resolve().parents[1]


async def main(frames: int, rate: float, redis_url: str | None, db_url: str | None) -> None:
    tmp = Path(tempfile.mkdtemp())
    url = db_url or f"sqlite:///{tmp}/bench.db"
    migrate(url)
    engine = make_engine(url)
    bus: Bus
    if redis_url:
        from aristobot.bus.redis_bus import RedisBus

        bus = RedisBus(redis_url, namespace=f"bench{int(time.time())}:")
    else:
        bus = InMemoryBus()
    sub = await bus.subscribe(Channels.HEARTBEAT, maxsize=1_000_000)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.replay", "--synthetic", "--speed", "max", "--port", "0",
        "--rate", str(rate), "--limit", str(frames), "--symbols", "BTCUSDT,ETHUSDT", cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    ws_url = (await proc.stdout.readline()).decode().split()[1]
    settings = Settings(var_dir=tmp, database_url=url, binance_ws_url=ws_url,
                        binance_rest_url=ws_url.replace("ws://", "http://"),
                        heartbeat_symbols=("BTCUSDT", "ETHUSDT"))
    service = HeartbeatService(settings, make_sessionmaker(engine), bus)
    task = asyncio.ensure_future(service.run())
    while service.counters["frames"] == 0:
        await asyncio.sleep(0.001)
    t0 = time.perf_counter()
    while service.counters["frames"] < frames and not task.done():
        await asyncio.sleep(0.005)
    dt = time.perf_counter() - t0
    await asyncio.sleep(0.5)  # let the last signals reach the subscriber
    received = sub.qsize()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    proc.terminate()
    await proc.wait()
    with make_sessionmaker(engine)() as s:
        candles = s.scalar(select(func.count()).select_from(CandleRow))
        signals = s.scalar(select(func.count()).select_from(HeartbeatSignalRow))
    c = service.counters
    kind = "redis" if redis_url else "in-process"
    print(f"e2e ({kind} bus, {url.split(':')[0]}): {c['frames']:,} frames in {dt:.2f} s = "
          f"{c['frames'] / dt:,.0f} frames/s; signals published {c['signals']}, received "
          f"{received}, dropped {sub.dropped}; rows: {candles} candles, {signals} signals; "
          f"missing ids {c['missing_ids']}; verification on: {c['verified']} candles verified, "
          f"{c['corrected']} corrected, {service.verifier.calls} REST calls; late signals "
          f"{c['late_signals']}, dropped {c['dropped_signals']}")
    await bus.close()
    engine.dispose()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=500_000)
    ap.add_argument("--rate", type=float, default=200.0, help="market trades per second")
    ap.add_argument("--redis", default=None)
    ap.add_argument("--db", default=None, help="database URL (default: a temporary SQLite)")
    args = ap.parse_args()
    asyncio.run(main(args.frames, args.rate, args.redis, args.db))
