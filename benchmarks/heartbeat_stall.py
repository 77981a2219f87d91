"""After a stall of the feed across a minute boundary: time until every affected candle is right.

    .venv/bin/python benchmarks/heartbeat_stall.py [--stall 15] [--runs 1] [--speed 1]

Real time by default: the replay (trades stamped now, 20 trades/s per symbol, 2 symbols) runs
on its own thread and is frozen for ``--stall`` seconds starting ~1 s before a boundary (like
a SIGSTOP'd process: its clock keeps going and the backlog arrives at once afterwards). The
quiet-market timer closes the minute without its last trades; the service must notice (late
trades, frames arriving late) and replace the minute, then rebuild the longer candles holding
it. Printed: from the end of the stall to (a) the 1m candle stored equal to the exchange's
kline, (b) every affected candle that has closed replaced or rebuilt (windows still open are
taken from REST when they close), (c) « Cohérent » again.
``--speed 10`` runs the market 10x faster on the replay's clock (the service follows it).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import select

from aristobot.bus import InMemoryBus
from aristobot.config import Settings
from aristobot.db.engine import make_engine, make_sessionmaker, migrate
from aristobot.db.models import CandleRow
from aristobot.domain.timeframe import ms_to_utc
from aristobot.heartbeat.service import HeartbeatService
from aristobot.market.binance_rest import BinanceKlinesClient
from aristobot.replay import ReplayServer, SyntheticMarket


class FrozenReplay:
    """The replay on its own thread; ``stall`` blocks that thread like a stopped process."""

    def __init__(self, server: ReplayServer) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    async def run(self, coro: object) -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))  # type: ignore[arg-type]

    def stall(self, seconds: float) -> None:
        self.loop.call_soon_threadsafe(time.sleep, seconds)


async def until(cond: object, timeout: float = 300.0) -> float:
    t0 = time.monotonic()
    while not await cond():  # type: ignore[operator]
        if time.monotonic() - t0 > timeout:
            raise TimeoutError
        await asyncio.sleep(0.01)
    return time.monotonic()


async def one_run(stall_s: float, speed: float) -> None:
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp}/bench.db"
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    symbols = ("BTCUSDT", "ETHUSDT")
    start = int(time.time() * 1000) if speed == 1 else 1_704_081_600_000 - 20_000
    server = ReplayServer(SyntheticMarket(symbols, start_ms=start, rate_per_s=20).trades(),
                          speed=speed)
    replay = FrozenReplay(server)
    await replay.run(server.start())

    def clock() -> float:
        return (server.market_time_ms() or start) / 1000 if speed != 1 else time.time()

    settings = Settings(var_dir=tmp, database_url=url, binance_ws_url=server.url,
                        binance_rest_url=server.rest_url, heartbeat_symbols=symbols)
    service = HeartbeatService(settings, sessions, InMemoryBus(), clock=clock)
    task = asyncio.ensure_future(service.run())

    async def coherent() -> bool:
        return service.status["is_coherent"] is True

    await until(coherent)
    async def near_boundary() -> bool:
        t = server.market_time_ms() or 0
        return 500 <= (-t) % 60_000 <= 1_200

    await until(near_boundary)
    boundary = ((server.market_time_ms() or 0) // 60_000 + 1) * 60_000
    minute = boundary - 60_000
    replay.stall(stall_s / speed)
    stalled_at = time.monotonic()
    await asyncio.sleep(stall_s / speed)  # the benchmark's own fault: the stall lasts this long
    resumed = time.monotonic()
    rest = BinanceKlinesClient(server.rest_url)

    async def minute_right() -> bool:
        k = [k for k in await rest.fetch("BTCUSDT", "1m", minute, minute + 60_000)]
        with sessions() as s:
            row = s.scalar(select(CandleRow).where(
                CandleRow.symbol == "BTC/USDT", CandleRow.timeframe == "1m",
                CandleRow.open_time == ms_to_utc(minute)))
        return bool(k and row is not None and float(row.close) == k[0].close
                    and abs(float(row.volume) - k[0].volume) < 1e-8)

    async def rebuilt() -> bool:  # no correction or rebuild pending (start-up windows aside)
        return service.repairs.counting == 0 and service.verifier.unresolved(
            service._ex_now()) == 0

    t_minute = await until(minute_right)
    t_all = await until(rebuilt)
    t_coherent = await until(coherent)
    c = service.counters
    print(f"stall {stall_s:.0f} s (x{speed:g}) across {ms_to_utc(boundary):%H:%M:%S}: "
          f"1m corrected {t_minute - resumed:.2f} s after the stall, every affected candle "
          f"{t_all - resumed:.2f} s, « Cohérent » {t_coherent - resumed:.2f} s "
          f"(wall, from the end of the stall; stall began {resumed - stalled_at:.1f} s earlier);"
          f" corrected {c['corrected']}, verified {c['verified']}, late trades {c['late']}, "
          f"REST calls for verification {service.verifier.calls}")
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await replay.run(server.stop())
    replay.loop.call_soon_threadsafe(replay.loop.stop)
    engine.dispose()


async def main(stall_s: float, runs: int, speed: float) -> None:
    with open("/proc/loadavg") as f:
        print("load average:", f.read().strip())
    for _ in range(runs):
        await one_run(stall_s, speed)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--stall", type=float, default=15.0, help="market seconds")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--speed", type=float, default=1.0)
    args = ap.parse_args()
    asyncio.run(main(args.stall, args.runs, args.speed))
