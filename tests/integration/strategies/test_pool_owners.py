"""Workers per owner (no cross-user tampering), the job lane, batches, reaping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from aristobot.core.strategy_api import Action, decide
from aristobot.core.strategy_loader import load_strategy
from aristobot.errors import JobCancelled
from aristobot.strategies import EMA_CROSS_EXAMPLE, StrategyPool
from aristobot.strategies.job_queue import QueuePosition
from aristobot.strategies.samples import sample_candles
from aristobot.strategies.template import TEMPLATE
from tests.support.jobs import PROBE, TEST_POOL_OPTIONS

pytestmark = pytest.mark.asyncio(loop_scope="module")
CANDLES = sample_candles(500)

#: Passes every static check, yet patches a module shared by everything in its process: the
#: EMA of any strategy run afterwards in the same worker "crosses" on the last candle.
ATTACK = TEMPLATE.replace("# Template de base", '''def fake_ema(close, length=None, **kwargs):
    line = close * 0.0 + 1.0
    if length == 10:
        line.iloc[-2] = 0.0
        line.iloc[-1] = 2.0
    return line


ta.ema = fake_ema

# Template de base''', 1)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def pool() -> AsyncIterator[StrategyPool]:
    p = StrategyPool(2, call_timeout_s=5.0, max_workers=4, **TEST_POOL_OPTIONS)
    yield p
    await p.aclose()


async def test_attack_of_one_user_cannot_change_another_users_decision(
        pool: StrategyPool) -> None:
    honest = decide(load_strategy(EMA_CROSS_EXAMPLE), CANDLES, 1000.0, None)
    assert honest.action is Action.NONE
    alice, bob = 101, 102
    assert (await pool.decide(ATTACK, CANDLES, 1000.0, None, owner=alice)).error is None
    # Same owner, same worker: the attack is real (the shared worker of old would do this
    # to every other user's decisions).
    tampered = [await pool.decide(EMA_CROSS_EXAMPLE, CANDLES, 1000.0, None, owner=alice)
                for _ in range(3)]
    assert any(d.action is Action.ENTER_LONG for d in tampered)
    # Another user never runs in alice's workers.
    for _ in range(3):
        assert await pool.decide(EMA_CROSS_EXAMPLE, CANDLES, 1000.0, None, owner=bob) == honest
    alice_pids = {w.proc.pid for w in pool.workers_of(alice)}
    assert alice_pids and alice_pids.isdisjoint({w.proc.pid for w in pool.workers_of(bob)})


async def test_user_value_error_keeps_its_line(pool: StrategyPool) -> None:
    code = TEMPLATE.replace("# Décide si on doit acheter", "raise ValueError('seuil absent')")
    line = code.splitlines().index("        raise ValueError('seuil absent')") + 1
    d = await pool.decide(code, CANDLES, 1000.0, None, owner=103)
    assert d.action is Action.ERROR
    assert d.error == f"Erreur dans la stratégie — Ligne {line} : ValueError : seuil absent"


async def test_batch_matches_single_decisions(pool: StrategyPool) -> None:
    cls = load_strategy(EMA_CROSS_EXAMPLE)
    entering = [i for i in range(40, 500)
                if decide(cls, CANDLES.iloc[: i + 1], 1.0, None).action is Action.ENTER_LONG]
    windows = [CANDLES.iloc[: i + 1] for i in [*entering[:3], *range(40, 500, 50)]]
    requests = [(EMA_CROSS_EXAMPLE, w, 1000.0, None) for w in windows]
    requests.append((TEMPLATE.replace("return False", "return 1 / 0", 1), windows[0], 1.0, None))
    batch = await pool.decide_batch(requests, owner=104)
    single = [await pool.decide(*r, owner=104) for r in requests]
    assert batch == single
    assert batch[-1].action is Action.ERROR and "ZeroDivisionError" in (batch[-1].error or "")
    assert any(d.action is Action.ENTER_LONG for d in batch)


async def test_idle_workers_are_reaped_and_restarted(pool: StrategyPool) -> None:
    await pool.decide(TEMPLATE, CANDLES, 1.0, None, owner=105)
    assert pool.workers_of(105)
    assert pool.reap_idle(0) >= 1 and not pool.workers_of(105)
    started = pool.started
    assert (await pool.decide(TEMPLATE, CANDLES, 1.0, None, owner=105)).error is None
    assert pool.started == started + 1


async def test_jobs_leave_room_for_decisions_and_a_second_job_waits_its_turn() -> None:
    pool = StrategyPool(1, acquire_timeout_s=1.0, **TEST_POOL_OPTIONS)
    assert pool.job_slots == 1 and pool.max_workers >= 2
    running, cancel = asyncio.Event(), asyncio.Event()
    job = asyncio.create_task(pool.run_job(
        PROBE, {"steps": 100_000, "step_s": 0.01}, owner=1, timeout_s=300,
        progress=lambda f: running.set(), cancel=cancel))
    try:
        started = asyncio.ensure_future(running.wait())
        await asyncio.wait({job, started}, return_when=asyncio.FIRST_COMPLETED)
        if job.done():  # a job that failed before its first progress fails the test, not hangs
            job.result()
        # The only job slot is taken: another backtest waits in the queue (no PoolBusy, even
        # past acquire_timeout_s), with its position.
        positions: list[QueuePosition] = []
        second = asyncio.create_task(pool.run_job(PROBE, {"steps": 1}, owner=2, timeout_s=10,
                                                  queued=positions.append))
        # Decisions and the syntax test of the same user and of others still run.
        for owner in (1, 2):
            d = await pool.decide(EMA_CROSS_EXAMPLE, CANDLES, 1000.0, None, owner=owner)
            assert d.error is None
        assert await pool.check(TEMPLATE, owner=1)
        assert positions == [QueuePosition(1, False)] and not second.done()
        cancel.set()
        with pytest.raises(JobCancelled):
            await job
        assert (await asyncio.wait_for(second, 120))["steps"] == 1
    finally:
        cancel.set()
        await pool.aclose()


async def test_start_failure_gives_a_fixed_french_message(
        caplog: pytest.LogCaptureFixture) -> None:
    pool = StrategyPool(1, preload=("aristobot_no_such_module",))
    try:
        d = await pool.decide(TEMPLATE, CANDLES, 1.0, None, owner=1)
    finally:
        await pool.aclose()
    assert d.action is Action.ERROR
    assert d.error == ("Impossible de démarrer un processus isolé pour exécuter la stratégie "
                       "(détails dans le journal du serveur).")
    assert "could not start a strategy worker" in caplog.text
