"""The backtest queue through the real pool and real workers: fairness, cap, cancel, room left.

Long jobs are the sleeping probe (a « sleeping strategy »): they hold their slot until the test
cancels them. Every wait is on a condition, bounded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from aristobot.errors import JobCancelled, JobTimeLimit
from aristobot.strategies import EMA_CROSS_EXAMPLE, StrategyPool
from aristobot.strategies.job_queue import QueuePosition
from aristobot.strategies.samples import sample_candles
from aristobot.strategies.template import TEMPLATE
from tests.support.jobs import PROBE, TEST_POOL_OPTIONS

CANDLES = sample_candles(300)
SLEEPER = {"steps": 100_000, "step_s": 0.01}  # ~17 minutes: only a cancel ends it


async def until(condition: Callable[[], bool], timeout: float = 120.0) -> None:
    """Wait (bounded) until ``condition()`` holds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


class Job:
    """One ``run_job`` in the background, with what it reported."""

    def __init__(self, pool: StrategyPool, owner: int, params: dict[str, Any],
                 timeout_s: float = 600.0, on_start: Callable[[], None] | None = None) -> None:
        self.cancel = asyncio.Event()
        self.positions: list[QueuePosition] = []
        self.progress: list[float] = []
        self._on_start = on_start
        self.task = asyncio.ensure_future(pool.run_job(
            PROBE, params, owner=owner, timeout_s=timeout_s, progress=self._progress,
            cancel=self.cancel, queued=self.positions.append))

    def _progress(self, fraction: float) -> None:
        if fraction > 0 and not any(f > 0 for f in self.progress) and self._on_start:
            self._on_start()
        self.progress.append(fraction)

    @property
    def running(self) -> bool:
        return any(f > 0 for f in self.progress)

    async def stop(self) -> None:
        self.cancel.set()
        with pytest.raises(JobCancelled):
            await asyncio.wait_for(self.task, 60)


async def _with_pool(test: Callable[[StrategyPool], Awaitable[None]], **options: Any) -> None:
    pool = StrategyPool(1, call_timeout_s=5.0, **TEST_POOL_OPTIONS, **options)
    try:
        await test(pool)
    finally:
        await pool.aclose()


async def test_one_users_sleeping_backtest_does_not_hold_up_another_user() -> None:
    async def scenario(pool: StrategyPool) -> None:
        a1 = Job(pool, 1, SLEEPER)
        await until(lambda: a1.running)
        a2 = Job(pool, 1, {"steps": 3})  # A's second backtest waits behind A's first
        await until(lambda: bool(a2.positions))
        assert a2.positions[-1] == QueuePosition(1, True) and pool.jobs.waiting_of(1) == 1
        # B gets the free slot at once (no PoolBusy, no wait for A), and finishes.
        b = await asyncio.wait_for(pool.run_job(PROBE, {"steps": 3}, owner=2, timeout_s=120), 120)
        assert b["steps"] == 3 and not a1.task.done() and not a2.task.done()
        await a1.stop()
        assert (await asyncio.wait_for(a2.task, 120))["steps"] == 3
        assert a2.progress[0] == 0.0  # « started » after waiting, then real progress
        assert pool.jobs.running == 0 and pool.jobs.waiting == 0

    await _with_pool(scenario, job_slots=2, job_slots_per_owner=1)


async def test_free_slots_go_round_robin_across_three_users() -> None:
    started: list[str] = []

    async def scenario(pool: StrategyPool) -> None:
        blocker = Job(pool, 9, SLEEPER)
        await until(lambda: blocker.running)
        jobs = []
        for name, owner in [("a1", 1), ("a2", 1), ("a3", 1), ("b1", 2), ("b2", 2), ("c1", 3)]:
            jobs.append(Job(pool, owner, {"steps": 2},
                            on_start=lambda name=name: started.append(name)))
            queued = len(jobs)
            await until(lambda: pool.jobs.waiting == queued)  # noqa: B023 - awaited right here
        # Positions as shown on the page: B's and C's first backtests come before A's second.
        assert [j.positions[-1].position for j in jobs] == [1, 4, 6, 2, 5, 3]
        await blocker.stop()
        await asyncio.wait_for(asyncio.gather(*(j.task for j in jobs)), 300)
        assert started == ["a1", "b1", "c1", "a2", "b2", "a3"]

    await _with_pool(scenario, job_slots=1, job_queue_per_owner=5)


async def test_wall_clock_cap_kills_the_job_with_a_french_message() -> None:
    async def scenario(pool: StrategyPool) -> None:
        job = Job(pool, 1, SLEEPER, timeout_s=1.0)
        with pytest.raises(JobTimeLimit) as stopped:
            await asyncio.wait_for(job.task, 120)
        assert stopped.value.user_message().startswith(
            "Backtest arrêté : il a dépassé la durée maximale de 1 s")
        assert job.progress  # it did run before being stopped
        assert pool.replaced == 1 and not pool.workers_of(1)  # its worker was killed
        assert pool.jobs.running == 0
        assert (await pool.run_job(PROBE, {"steps": 2}, owner=1, timeout_s=120))["steps"] == 2

    await _with_pool(scenario)


async def test_cancel_while_queued_leaves_the_queue_and_the_running_job_alone() -> None:
    async def scenario(pool: StrategyPool) -> None:
        a = Job(pool, 1, SLEEPER)
        await until(lambda: a.running)
        b = Job(pool, 2, {"steps": 2})
        await until(lambda: bool(b.positions))
        assert b.positions[-1] == QueuePosition(1, False)
        started = pool.started
        await b.stop()
        assert pool.jobs.waiting == 0 and not b.progress and pool.started == started
        seen = len(a.progress)
        await until(lambda: len(a.progress) > seen)  # A still runs
        await a.stop()
        assert pool.jobs.running == 0

    await _with_pool(scenario, job_slots=1)


async def test_checks_and_decisions_run_while_every_job_slot_is_taken() -> None:
    async def scenario(pool: StrategyPool) -> None:
        assert pool.job_slots == 2 and pool.max_workers - pool.job_slots >= 3
        long = [Job(pool, owner, SLEEPER) for owner in (1, 2)]
        await until(lambda: all(j.running for j in long))
        waiting = [Job(pool, owner, {"steps": 2}) for owner in (1, 2, 3)]
        await until(lambda: pool.jobs.waiting == 3)
        # « Tester la syntaxe » and live decisions of the same users and of others still run,
        # all at once.
        decisions = await asyncio.wait_for(asyncio.gather(*(
            pool.decide(EMA_CROSS_EXAMPLE, CANDLES, 1000.0, None, owner=owner)
            for owner in (1, 2, 3))), 120)
        assert all(d.error is None for d in decisions)
        assert await asyncio.wait_for(pool.check(TEMPLATE, owner=2), 120)
        assert not any(j.task.done() for j in long) and pool.jobs.waiting == 3
        for job in [*waiting, *long]:
            await job.stop()

    await _with_pool(scenario, job_slots=2)
