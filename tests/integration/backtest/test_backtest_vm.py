"""The « Backtest » view-model driven directly (no browser), against the real stack."""

from __future__ import annotations

import asyncio
from datetime import date

from bokeh.document import Document

from aristobot.accounts.users import User
from aristobot.ui.backtest_vm import BacktestVM
from aristobot.ui.pages import PageContext
from tests.integration.backtest.conftest import World


def _vm(world: World) -> BacktestVM:
    vm = BacktestVM(world.runtime, world.user_id, timezone="Europe/Paris",
                    today=date(2024, 1, 3))
    vm.start_date, vm.timeframe, vm.initial_amount = date(2024, 1, 1), "5m", 1000.0
    return vm


async def test_run_shows_stats_trades_chart_and_past_results(world: World) -> None:
    vm = _vm(world)
    assert vm.strategy_id == world.strategy_id and vm.broker_id == world.broker_id
    assert await vm.start()
    assert vm.running
    await vm.wait()
    assert vm.error == "" and "terminé" in vm.message
    assert not vm.running and vm.candles_pct == 100.0 and vm.sim_pct == 100.0
    assert len(vm.trades) > 0 and "P&L" in vm.trades.columns
    assert vm.trades["Entrée"].dt.tz is None  # shown in the user's zone
    stats = dict(zip(vm.stats["Statistique"], vm.stats["Valeur"], strict=True))
    assert stats["Solde initial"] == "1 000.00"
    assert vm.chart is not None and vm.lookahead_ok is True
    assert list(vm.past["id"]) == [vm.result_id]
    first = vm.result_id
    vm.timeframe = "15m"
    await vm.start()
    await vm.wait()
    vm.compare(list(vm.past["id"]))
    assert vm.comparison.shape[1] == 3
    vm.reopen(first)
    assert vm.result_id == first and vm.chart is not None and vm.error == ""
    vm.delete(first)
    assert first not in list(vm.past["id"])


async def test_refusals_are_french_and_nothing_runs(world: World) -> None:
    vm = _vm(world)
    vm.end_date = date(2023, 12, 1)
    assert not await vm.start()
    assert "date de fin" in vm.error and not vm.running
    vm.end_date, vm.symbol = date(2024, 1, 2), "BTCUSDT"
    assert not await vm.start()
    assert "symbole" in vm.error
    vm.reopen(12345)
    assert "introuvable" in vm.error


async def test_cancel_candle_loading(world: World) -> None:
    vm = _vm(world)
    vm.timeframe, vm.start_date = "1m", date(2024, 1, 1)
    vm.end_date = date(2024, 1, 10)
    await vm.start()
    while vm.candles_pct == 0 and vm.running:
        await asyncio.sleep(0.01)
    vm.cancel_candles()
    await vm.wait()
    assert "Interruption du chargement" in vm.message and "bougies conservées" in vm.message


def test_page_builds(world: World) -> None:
    from aristobot.ui import backtest_page

    user = User(world.user_id, "alice", "dark", "UTC", world.broker_id)
    page = backtest_page.build(PageContext(world.runtime, user, "dark", "UTC"))
    page.get_root(Document())
