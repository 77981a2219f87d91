"""Workers that stay alive but stop using their pipes must not hang the pool.

The strategy below forges a valid decision on the reply pipe (the pool takes it as the reply
and keeps the worker), then writes megabytes of junk: the pool stops reading its reply pipe
past 2 MiB unread (asyncio's flow control) and the worker blocks in ``write`` for good, reading
no more requests. Before the fix, the next request's send waited for the full request pipe
forever, and killing the worker never ended: ``proc.wait()`` waits for the pipes to close and
the paused reply pipe never saw its end (``aclose`` hung, with no worker process left).
Each wait is bounded here, so that a regression fails instead of hanging the run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from aristobot.core.strategy_api import Action
from aristobot.errors import StrategyTimeout
from aristobot.strategies import StrategyPool
from aristobot.strategies.pool_workers import Worker
from aristobot.strategies.samples import sample_candles
from tests.support.crafted_replies import body, decision_head, prefixed, writer_strategy
from tests.support.jobs import TEST_POOL_OPTIONS

pytestmark = pytest.mark.asyncio(loop_scope="function")
#: A forged decision, then 4 MiB of junk the pool never reads.
STUCK = writer_strategy([(prefixed(body(decision_head(size=1.5))), 1),
                         (b"x" * 2**20, 4)])
#: Bounds on what must happen at once: a failure instead of a hang until pytest's timeout.
BOUND_S = 60.0


@pytest_asyncio.fixture
async def pool() -> AsyncIterator[StrategyPool]:
    p = StrategyPool(1, memory_mb=768, call_timeout_s=3.0, **TEST_POOL_OPTIONS)
    yield p
    async with asyncio.timeout(BOUND_S):
        await p.aclose()


def _reply_pipe_paused(worker: Worker) -> bool:
    return not worker.proc._transport.get_pipe_transport(1).is_reading()  # type: ignore[attr-defined]


async def _stuck_worker(pool: StrategyPool) -> Worker:
    """Return the owner's worker once it is blocked writing junk nobody reads."""
    d = await pool.decide(STUCK, sample_candles(100), 1.0, None, owner=1)
    assert d.action is Action.ENTER_LONG and d.size == 1.5  # the forged reply, taken as data
    (worker,) = pool.workers_of(1)
    async with asyncio.timeout(BOUND_S):
        while not _reply_pipe_paused(worker):
            await asyncio.sleep(0.02)
    assert worker.alive
    return worker


async def test_killing_a_worker_with_unread_replies_ends(pool: StrategyPool) -> None:
    worker = await _stuck_worker(pool)
    assert pool.reap_idle(0) == 1  # kills it
    assert worker.reaper is not None
    async with asyncio.timeout(BOUND_S):
        await worker.reaper
    assert not worker.alive


async def test_worker_that_stops_reading_requests_times_out(pool: StrategyPool) -> None:
    worker = await _stuck_worker(pool)
    big = sample_candles(3000)  # a request larger than the pipe's buffer
    async with asyncio.timeout(BOUND_S):
        d = await pool.decide(STUCK, big, 1.0, None, owner=1)
    assert d.action is Action.ERROR
    assert d.error == StrategyTimeout(seconds="3").user_message()
    assert worker not in pool.workers_of(1) and pool.replaced == 1
    assert worker.reaper is not None
    async with asyncio.timeout(BOUND_S):
        await worker.reaper


async def test_worker_that_closes_its_reply_pipe_and_waits(pool: StrategyPool) -> None:
    # Its reply pipe closed (the sandbox's own processes may still hold it), itself blocked
    # for good without using CPU: an error once the call's time is up, never a hang.
    code = writer_strategy([], then="os.close(out)\nr, w = os.pipe()\nos.read(r, 1)")
    async with asyncio.timeout(BOUND_S):
        d = await pool.decide(code, sample_candles(100), 1.0, None, owner=1)
    assert d.action is Action.ERROR
    assert d.error == StrategyTimeout(seconds="3").user_message()
    assert pool.replaced == 1 and not pool.workers_of(1)
    async with asyncio.timeout(BOUND_S):
        await pool.aclose()
