"""Backtest queue figures: how long another user waits while one user's backtest sleeps.

Run: ``.venv/bin/python benchmarks/backtest_queue.py`` (prints figures, asserts nothing).
The pool is built as ``from_settings`` builds it with the defaults (2 backtest slots, 1 per
user). User A's « sleeping » backtest holds a slot; A queues a second one; the figure is the
time from user B's request to B's first progress (a fresh worker is started for B), then the
queue's own bookkeeping cost (admit + release, no worker).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import warnings

warnings.simplefilter("ignore")

from aristobot.strategies import StrategyPool  # noqa: E402
from aristobot.strategies.job_queue import JobQueue  # noqa: E402

PROBE = "tests.support.jobs:probe"
OPTIONS = {"preload": ("tests.support.jobs",), "job_modules": ("aristobot.", "tests.support.")}


async def _b_start_latency(pool: StrategyPool) -> float:
    started = asyncio.Event()
    t0 = time.perf_counter()
    job = asyncio.ensure_future(pool.run_job(PROBE, {"steps": 2}, owner=2, timeout_s=120,
                                             progress=lambda f: started.set()))
    await started.wait()
    latency = time.perf_counter() - t0
    await job
    return latency


async def main() -> None:
    pool = StrategyPool(2, job_slots=2, job_slots_per_owner=1, **OPTIONS)
    cancel, running = asyncio.Event(), asyncio.Event()
    sleeper = asyncio.ensure_future(pool.run_job(
        PROBE, {"steps": 100_000, "step_s": 0.01}, owner=1, timeout_s=900,
        progress=lambda f: running.set(), cancel=cancel))
    await running.wait()
    second = asyncio.ensure_future(pool.run_job(PROBE, {"steps": 2}, owner=1, timeout_s=120,
                                                cancel=cancel))
    cold = await _b_start_latency(pool)
    warm = [await _b_start_latency(pool) for _ in range(10)]
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"user B's backtest starts while A's sleeps and A's 2nd waits: first (worker start) "
          f"{cold * 1e3:.0f} ms, warm median {statistics.median(warm) * 1e3:.1f} ms")
    cancel.set()
    await asyncio.gather(sleeper, second, return_exceptions=True)
    await pool.aclose()

    queue = JobQueue(slots=2, per_owner=1, max_waiting=5)
    n = 20_000
    t0 = time.perf_counter()
    for i in range(n):
        queue.release(await queue.admit(i % 5))
    print(f"queue bookkeeping: {(time.perf_counter() - t0) / n * 1e6:.1f} µs per admit+release")


if __name__ == "__main__":
    asyncio.run(main())
