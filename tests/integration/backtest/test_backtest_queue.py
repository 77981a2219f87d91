"""The backtest queue as the page sees it: positions, fairness across users, cancel, the cap.

Real stack: fake Binance through ccxt, the real pool and workers. The long backtest is a
strategy that computes for minutes: it holds its slot until the test cancels it (every wait is
on a condition, bounded).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

from aristobot.brokers.repository import ensure_default_paper_broker
from aristobot.db.models import StrategyRow
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE
from aristobot.strategies.template import TEMPLATE
from aristobot.ui.backtest_vm import BacktestVM
from tests.integration.backtest.conftest import World
from tests.support.factories import make_user

#: About a tenth of a second of CPU per bar, every bar evaluated (« Exact »): minutes in all.
SLOW = TEMPLATE.replace("        # Décide si on doit acheter\n        return False",
                        "        total = 0\n        for i in range(1_000_000):\n"
                        "            total += i\n        return total < 0")


async def until(condition: Callable[[], bool], timeout: float = 120.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def _strategy(world: World, user_id: int, code: str, name: str) -> int:
    with world.runtime.sessions.begin() as s:
        row = StrategyRow(user_id=user_id, name=name, code=code, timeframe="5m",
                          window_size=50)
        s.add(row)
        s.flush()
        return row.id


def _vm(world: World, user_id: int, strategy_id: int, mode: str = "fast") -> BacktestVM:
    vm = BacktestVM(world.runtime, user_id, today=date(2024, 1, 3))
    vm.start_date, vm.timeframe, vm.initial_amount = date(2024, 1, 1), "5m", 1000.0
    vm.strategy_id, vm.mode = strategy_id, mode
    return vm


async def test_queue_position_shown_then_cancelled_while_another_user_runs(
        world: World) -> None:
    assert SLOW != TEMPLATE
    slow = _strategy(world, world.user_id, SLOW, "Lente")
    long = _vm(world, world.user_id, slow, mode="exact")
    assert await long.start()
    await until(lambda: long.phase == "Simulation" and long.sim_pct > 0)
    # The same user's second backtest (another tab) waits behind the first, position shown.
    second = _vm(world, world.user_id, world.strategy_id)
    assert await second.start()
    await until(lambda: second.queue_position == 1)
    assert second.phase == ("En file d'attente : position 1 (votre backtest en cours doit "
                            "d'abord se terminer)")
    assert second.running and not second.loading_candles
    # Another user is not held up: Bob's backtest runs to the end meanwhile.
    bob = make_user(world.runtime.sessions, "bob", "motdepasse-bob")
    with world.runtime.sessions.begin() as s:
        ensure_default_paper_broker(s, bob.id, "10000")
    bob_vm = _vm(world, bob.id, _strategy(world, bob.id, EMA_CROSS_EXAMPLE, "EMA"))
    assert await bob_vm.start()
    await asyncio.wait_for(bob_vm.wait(), 300)
    assert bob_vm.error == "" and "terminé" in bob_vm.message
    assert long.running and second.queue_position == 1
    # « Interrompre le backtest » while queued: out of the queue, nothing ran.
    second.cancel_run()
    await asyncio.wait_for(second.wait(), 60)
    assert second.message == "Backtest retiré de la file d'attente : il n'a pas démarré."
    assert second.error == "" and second.queue_position is None and not second.running
    long.cancel_run()
    await asyncio.wait_for(long.wait(), 60)
    assert long.message.startswith("Interruption du calcul")


async def test_a_closed_session_leaves_the_queue(world: World) -> None:
    from aristobot.strategies.pool import get_pool

    slow = _strategy(world, world.user_id, SLOW, "Lente")
    long = _vm(world, world.user_id, slow, mode="exact")
    assert await long.start()
    await until(lambda: long.phase == "Simulation" and long.sim_pct > 0)
    second = _vm(world, world.user_id, world.strategy_id)
    assert await second.start()
    await until(lambda: second.queue_position == 1)
    pool = get_pool(world.runtime)
    assert pool.jobs.waiting_of(world.user_id) == 1
    second.close()  # the browser tab closed
    await asyncio.wait_for(second.wait(), 60)
    await until(lambda: pool.jobs.waiting == 0)
    long.close()
    await asyncio.wait_for(long.wait(), 60)
    await until(lambda: pool.jobs.running == 0)


async def test_a_backtest_past_the_cap_is_stopped_with_a_french_error(world: World) -> None:
    from aristobot.backtest.service import BacktestService
    from tests.integration.backtest.test_service import _request

    slow = _strategy(world, world.user_id, SLOW, "Lente")
    service = BacktestService(world.runtime, job_timeout_s=2)
    outcome = await asyncio.wait_for(
        service.run(_request(world, strategy_id=slow, mode="exact")), 300)
    assert outcome.status == "error" and outcome.phase == "simulation"
    assert outcome.error == ("Backtest arrêté : il a dépassé la durée maximale de 2 s autorisée "
                             "pour un calcul (le processus a été arrêté). Réduisez la période "
                             "ou allégez la stratégie.")
