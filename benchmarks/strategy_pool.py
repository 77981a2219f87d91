"""Strategy worker pool figures: decision time in a warm worker, round trip, parallel use.

Run: ``.venv/bin/python benchmarks/strategy_pool.py`` (prints figures, asserts nothing).
Targets (issue 5): decision on 500 candles with the seed's EMA example ≤ 5 ms in a warm worker;
caller → warm worker → caller ≤ 10 ms; 20 decisions in parallel use every core.
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
    start = time.perf_counter()
    await pool.start()
    while len(pool._all) < cores:  # wait for every worker (benchmark only)
        await asyncio.sleep(0.05)
    print(f"workers: {cores}, started in {time.perf_counter() - start:.2f} s; "
          f"sandbox: {pool.sandbox_status.describe() if pool.sandbox_status else '?'}")

    inside = await pool.run_job("aristobot.strategies.jobs:time_decisions",
                                {"code": EMA_CROSS_EXAMPLE, "candles": candles,
                                 "balance": 1000.0, "repeat": 300}, timeout_s=120)
    print(f"EMA 10/20 decision on 500 candles inside a warm worker: {_ms(inside)}  (≤ 5 ms)")

    for label, code in (("EMA 10/20 example", EMA_CROSS_EXAMPLE), ("empty template", TEMPLATE)):
        for _ in range(2 * cores):  # every worker loads and caches the class
            await pool.decide(code, candles, 1000.0, None)
        trips = []
        for _ in range(300):
            t = time.perf_counter()
            await pool.decide(code, candles, 1000.0, None)
            trips.append(time.perf_counter() - t)
        print(f"round trip caller → warm worker → caller ({label}): {_ms(trips)}  (≤ 10 ms)")

    pids = [w.proc.pid for w in pool._all]
    batches = 30
    cpu0, parent0, t0 = _cpu_seconds(pids), time.process_time(), time.perf_counter()
    for _ in range(batches):
        results = await asyncio.gather(
            *(pool.decide(EMA_CROSS_EXAMPLE, candles, 1000.0, None) for _ in range(20)))
        assert all(r.error is None for r in results)
    wall = time.perf_counter() - t0
    used = _cpu_seconds(pids) - cpu0
    parent = time.process_time() - parent0
    print(f"20 decisions in parallel × {batches}: {wall / batches * 1e3:.1f} ms per batch of 20; "
          f"workers {used / wall:.2f} cores + caller {parent / wall:.2f} cores = "
          f"{(used + parent) / wall:.2f} of {cores} cores busy; load average "
          f"{os.getloadavg()[0]:.1f} (other processes share the machine)")
    await pool.aclose()


if __name__ == "__main__":
    asyncio.run(main())
