"""Strategy worker start-up time: start → ready (imports, sandbox), per sandbox variant.

Run: ``.venv/bin/python benchmarks/worker_spawn.py [count]`` (prints figures, asserts nothing).
Variants: the full sandbox (bubblewrap namespaces + own uid + seccomp + Landlock) and the same
without bubblewrap. To compare with an older checkout, run this script with
``PYTHONPATH=<checkout>`` (variants its sandbox does not know are skipped).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.simplefilter("ignore")

import aristobot  # noqa: E402
from aristobot.strategies import StrategyPool  # noqa: E402


def _load() -> str:
    return Path("/proc/loadavg").read_text().strip()


async def _measure(count: int) -> tuple[list[float], str]:
    pool = StrategyPool(1, max_workers=count + 1, idle_ttl_s=3600)
    times = []
    try:
        for owner in range(count):  # one new worker per owner
            start = time.perf_counter()
            await pool.start(owner=owner)
            times.append(time.perf_counter() - start)
        status = pool.sandbox_status.describe() if pool.sandbox_status else "?"
    finally:
        await pool.aclose()
    return times, status


def _print(label: str, times: list[float], status: str) -> None:
    times = sorted(times)
    p95 = times[max(int(len(times) * 0.95) - 1, 0)]
    print(f"{label}: median {statistics.median(times) * 1e3:7.1f} ms   p95 {p95 * 1e3:7.1f} ms"
          f"   ({len(times)} workers)\n    sandbox: {status}")


async def main(count: int) -> None:
    print(f"code: {Path(aristobot.__file__).parent}; uid {os.geteuid()}; cores "
          f"{os.cpu_count()}; load before: {_load()}")
    await _measure(1)  # warm the page cache
    _print("worker start → ready, full sandbox", *await _measure(count))
    try:
        from aristobot.strategies import sandbox_namespaces
    except ImportError:
        sandbox_namespaces = None  # type: ignore[assignment]
    if sandbox_namespaces is not None:
        real = sandbox_namespaces.bwrap_path
        sandbox_namespaces.bwrap_path = lambda: None  # type: ignore[assignment]
        try:
            _print("worker start → ready, without bubblewrap", *await _measure(count))
        finally:
            sandbox_namespaces.bwrap_path = real  # type: ignore[assignment]
    print(f"load after: {_load()}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
