"""Strategy worker pool figures: decision time in a warm worker, round trip, parallel use.

Run: ``.venv/bin/python benchmarks/strategy_pool.py`` (prints figures, asserts nothing).
Targets (issue 5): decision on 500 candles with the seed's EMA example ≤ 5 ms in a warm worker;
caller → warm worker → caller ≤ 10 ms; 20 decisions in parallel use every core. All calls are
made for one owner (workers are per user); parallel use is measured both as 20 separate
``decide`` calls and as one ``decide_batch`` of 20.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import warnings
from pathlib import Path

warnings.simplefilter("ignore")

from aristobot.strategies import EMA_CROSS_EXAMPLE, StrategyPool  # noqa: E402
from aristobot.strategies.samples import sample_candles  # noqa: E402
from aristobot.strategies.template import TEMPLATE  # noqa: E402


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[int(len(values) * 0.95) - 1]
    return f"median {statistics.median(values) * 1e3:6.2f} ms   p95 {p95 * 1e3:6.2f} ms"


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime, clock ticks
    return total / os.sysconf("SC_CLK_TCK")


async def main() -> None:
    cores = os.cpu_count() or 1
    candles = sample_candles(500)
    pool = StrategyPool(cores, call_timeout_s=30)
    owner = 1
    start = time.perf_counter()
    await asyncio.gather(*(pool.decide(TEMPLATE, candles, 1.0, None, owner=owner)
                           for _ in range(cores)))  # starts one worker per core for the owner
    print(f"workers: {cores}, started in {time.perf_counter() - start:.2f} s; "
          f"sandbox: {pool.sandbox_status.describe() if pool.sandbox_status else '?'}")

    inside = await pool.run_job("aristobot.strategies.jobs:time_decisions",
                                {"code": EMA_CROSS_EXAMPLE, "candles": candles,
                                 "balance": 1000.0, "repeat": 300}, owner=owner,
                                timeout_s=120)
    print(f"EMA 10/20 decision on 500 candles inside a warm worker: {_ms(inside)}  (≤ 5 ms)")

    for label, code in (("EMA 10/20 example", EMA_CROSS_EXAMPLE), ("empty template", TEMPLATE)):
        for _ in range(2 * cores):  # every worker loads and caches the class
            await pool.decide(code, candles, 1000.0, None, owner=owner)
        trips = []
        for _ in range(300):
            t = time.perf_counter()
            await pool.decide(code, candles, 1000.0, None, owner=owner)
            trips.append(time.perf_counter() - t)
        print(f"round trip caller → warm worker → caller ({label}): {_ms(trips)}  (≤ 10 ms)")

    pids = [w.proc.pid for w in pool.workers_of(owner)]
    batches = 30

    async def separate() -> None:
        results = await asyncio.gather(
            *(pool.decide(EMA_CROSS_EXAMPLE, candles, 1000.0, None, owner=owner)
              for _ in range(20)))
        assert all(r.error is None for r in results)

    async def batch() -> None:
        results = await pool.decide_batch([(EMA_CROSS_EXAMPLE, candles, 1000.0, None)] * 20,
                                          owner=owner)
        assert all(r.error is None for r in results)

    for label, run in (("20 separate decide() calls", separate), ("decide_batch of 20", batch)):
        await run()  # warm
        cpu0, parent0, t0 = _cpu_seconds(pids), time.process_time(), time.perf_counter()
        for _ in range(batches):
            await run()
        wall = time.perf_counter() - t0
        used = _cpu_seconds(pids) - cpu0
        parent = time.process_time() - parent0
        print(f"{label} × {batches}: {wall / batches * 1e3:.1f} ms per 20 decisions; "
              f"workers {used / wall:.2f} cores + caller {parent / wall:.2f} cores = "
              f"{(used + parent) / wall:.2f} of {cores} cores busy; load average "
              f"{os.getloadavg()[0]:.1f} (other processes share the machine)")
    await pool.aclose()


if __name__ == "__main__":
    asyncio.run(main())
