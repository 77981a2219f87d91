"""Sandboxed runs on a Dask worker: a ``StrategyPool`` per worker process, on its own loop.

In the dashboard, user code never runs in a Dask worker itself: each sweep task hands the
candles and the parameters to a sandboxed strategy worker (the same pool, sandbox and reply
codec as backtests: scrubbed environment, Landlock, seccomp, memory/CPU limits, one owner per
process) started by this Dask worker, and decodes its reply (``optimize.job``). The pool lives
on a private event loop thread, created on first use in the Dask worker process; its sandboxed
processes die with the Dask worker (``sandbox.die_with_parent``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any

from aristobot.optimize.run import RunSummary
from aristobot.strategies.pool import StrategyPool

JOB = "aristobot.optimize.job:run_point"
_POLL_S = 0.25


class SandboxHost:
    """A ``StrategyPool`` of ``slots`` job workers driven from synchronous Dask tasks."""

    def __init__(self, slots: int, memory_mb: int) -> None:
        self.slots = slots
        self.memory_mb = memory_mb
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="aristobot-sandbox-host")
        self._thread.start()
        self.pool: StrategyPool = self._wait(self._make_pool())

    async def _make_pool(self) -> StrategyPool:
        return StrategyPool(self.slots + 1, memory_mb=self.memory_mb, job_slots=self.slots,
                            job_slots_per_owner=self.slots, max_workers=self.slots + 1,
                            job_queue_per_owner=4 * self.slots, acquire_timeout_s=120.0)

    def _wait(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def run(self, kwargs: dict[str, Any], *, owner: int | None, timeout_s: float,
            should_stop: Callable[[], bool]) -> RunSummary:
        """Run one point in a sandboxed worker of ``owner``; ``should_stop()`` returning True
        kills it (``JobCancelled``). Errors are the pool's French ``AristobotError``s."""
        holder: list[asyncio.Event] = []
        ready = threading.Event()

        async def go() -> RunSummary:
            cancel = asyncio.Event()
            holder.append(cancel)
            ready.set()
            result: RunSummary = await self.pool.run_job(JOB, kwargs, owner=owner,
                                                         timeout_s=timeout_s, cancel=cancel)
            return result

        future = asyncio.run_coroutine_threadsafe(go(), self._loop)
        ready.wait()
        while True:
            try:
                return future.result(timeout=_POLL_S)
            except concurrent.futures.TimeoutError:
                if should_stop():
                    self._loop.call_soon_threadsafe(holder[0].set)

    def close(self) -> None:
        """Kill the sandboxed workers and stop the loop."""
        self._wait(self.pool.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)


_HOST: SandboxHost | None = None
_HOST_LOCK = threading.Lock()


def host(slots: int, memory_mb: int) -> SandboxHost:
    """Return this process's sandbox host (created on first use)."""
    global _HOST
    with _HOST_LOCK:
        if _HOST is None or _HOST.memory_mb != memory_mb or _HOST.slots < slots:
            if _HOST is not None:
                _HOST.close()
            _HOST = SandboxHost(slots, memory_mb)
        return _HOST
