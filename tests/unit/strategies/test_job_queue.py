"""The fair job queue on its own: per-owner slots, round-robin, positions, cancel, close."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from aristobot.config import Settings
from aristobot.errors import ConfigError, JobCancelled, JobQueueFull, PoolClosed
from aristobot.strategies.job_queue import JobQueue, JobTicket, QueuePosition


async def _settle() -> None:
    # Let woken waiters run (no time passes: only ready callbacks execute).
    for _ in range(5):
        await asyncio.sleep(0)


def _submit(queue: JobQueue, owner: int, seen: list[QueuePosition] | None = None,
            cancel: asyncio.Event | None = None) -> asyncio.Task[JobTicket]:
    return asyncio.ensure_future(queue.admit(owner, cancel=cancel,
                                             on_position=None if seen is None else seen.append))


async def test_free_slot_is_granted_at_once() -> None:
    queue = JobQueue(slots=2)
    ticket = await queue.admit(1)
    assert ticket.granted and ticket.last is None and queue.running_of(1) == 1
    queue.release(ticket)
    queue.release(ticket)  # idempotent
    assert queue.running == 0


async def test_one_slot_per_user_lets_another_user_pass() -> None:
    queue = JobQueue(slots=2, per_owner=1)
    a1 = await queue.admit(1)
    a_seen: list[QueuePosition] = []
    a2 = _submit(queue, 1, a_seen)
    await _settle()
    assert not a2.done() and a_seen == [QueuePosition(1, True)]
    b1 = await asyncio.wait_for(queue.admit(2), 5)  # the free slot is B's, not A's second
    assert b1.granted and queue.running == 2
    queue.release(a1)
    ticket = await asyncio.wait_for(a2, 5)
    assert ticket.granted and ticket.last == QueuePosition(1, True)


async def test_round_robin_across_three_users() -> None:
    queue = JobQueue(slots=1, per_owner=1, max_waiting=10)
    blocker = await queue.admit(9)
    started: list[str] = []
    tasks = []
    for name, owner in [("a1", 1), ("a2", 1), ("a3", 1), ("b1", 2), ("b2", 2), ("c1", 3)]:
        tasks.append((name, _submit(queue, owner)))
        await _settle()
    assert [t.owner for t in queue.order()] == [1, 2, 3, 1, 2, 1]
    queue.release(blocker)
    for _ in tasks:
        await _settle()
        running = [(name, t) for name, t in tasks if t.done() and name not in started]
        assert len(running) == 1  # one slot: exactly one job runs at a time
        name, task = running[0]
        started.append(name)
        queue.release(task.result())
    assert started == ["a1", "b1", "c1", "a2", "b2", "a3"]


async def test_positions_follow_the_queue() -> None:
    queue = JobQueue(slots=1, per_owner=1, max_waiting=10)
    blocker = await queue.admit(9)
    a_seen: list[QueuePosition] = []
    b_seen: list[QueuePosition] = []
    a_first = _submit(queue, 1)
    a_second = _submit(queue, 1, a_seen)
    await _settle()
    b = _submit(queue, 2, b_seen)
    await _settle()
    # B's first backtest passes A's second one: round-robin, not first come first served.
    assert a_seen[-1] == QueuePosition(3, False) and b_seen[-1] == QueuePosition(2, False)
    queue.release(blocker)
    await _settle()
    assert a_first.done()
    assert b_seen[-1] == QueuePosition(1, False) and a_seen[-1] == QueuePosition(2, True)
    queue.release(a_first.result())
    await _settle()
    assert b.done() and a_seen[-1] == QueuePosition(1, False)
    queue.release(b.result())
    queue.release(await asyncio.wait_for(a_second, 5))
    assert queue.running == 0 and queue.waiting == 0


async def test_cancel_while_queued_removes_the_job() -> None:
    queue = JobQueue(slots=1)
    holder = await queue.admit(1)
    cancel = asyncio.Event()
    waiting = _submit(queue, 2, cancel=cancel)
    await _settle()
    assert queue.waiting_of(2) == 1
    cancel.set()
    with pytest.raises(JobCancelled):
        await asyncio.wait_for(waiting, 5)
    assert queue.waiting == 0
    queue.release(holder)
    assert queue.running == 0  # the cancelled job never took the slot


async def test_cancelled_task_leaves_nothing_behind() -> None:
    queue = JobQueue(slots=1)
    holder = await queue.admit(1)
    waiting = _submit(queue, 2)
    await _settle()
    waiting.cancel()  # the browser session closed
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert queue.waiting == 0
    queue.release(holder)
    later = await asyncio.wait_for(queue.admit(3), 5)
    assert later.granted and queue.running == 1


async def test_queue_limit_per_user_is_refused_in_french() -> None:
    queue = JobQueue(slots=1, max_waiting=2)
    holder = await queue.admit(1)
    waiting = [_submit(queue, 1), _submit(queue, 1)]
    await _settle()
    with pytest.raises(JobQueueFull) as full:
        await queue.admit(1)
    assert full.value.user_message().startswith("Vous avez déjà 2 backtest(s) en file d'attente")
    other = _submit(queue, 2)  # another user still gets in line
    await _settle()
    assert queue.waiting_of(2) == 1
    queue.close()
    for task in [*waiting, other]:
        with pytest.raises(PoolClosed):
            await asyncio.wait_for(task, 5)
    with pytest.raises(PoolClosed):
        await queue.admit(3)
    queue.release(holder)


def test_settings_shape_the_queue_and_leave_decisions_their_workers(tmp_path: Path) -> None:
    from aristobot.strategies.pool import StrategyPool

    pool = StrategyPool.from_settings(Settings.from_env({}, root=tmp_path))
    assert (pool.job_slots, pool.jobs.per_owner, pool.jobs.max_waiting) == (2, 1, 5)
    # Every user (5 by default) keeps a decision worker while both backtest slots are busy.
    assert pool.max_workers - pool.job_slots == 5
    env = {"ARISTOBOT_BACKTEST_SLOTS": "3", "ARISTOBOT_BACKTEST_SLOTS_PER_USER": "2",
           "ARISTOBOT_BACKTEST_QUEUE_PER_USER": "7", "ARISTOBOT_BACKTEST_MAX_S": "60"}
    settings = Settings.from_env(env, root=tmp_path)
    pool = StrategyPool.from_settings(settings)
    assert (pool.job_slots, pool.jobs.per_owner, pool.jobs.max_waiting) == (3, 2, 7)
    assert pool.max_workers - pool.job_slots == settings.max_users
    assert settings.backtest_max_s == 60
    for key in env:
        with pytest.raises(ConfigError) as bad:
            Settings.from_env({key: "0"}, root=tmp_path)
        assert key in bad.value.user_message()
