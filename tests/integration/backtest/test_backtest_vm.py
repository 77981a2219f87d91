"""The « Backtest » view-model driven directly (no browser), against the real stack."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from bokeh.document import Document

from aristobot.accounts.users import User
from aristobot.backtest import results_store
from aristobot.core.timefmt import format_dt
from aristobot.db.models import StrategyRow
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE
from aristobot.ui.backtest_vm import BacktestVM
from aristobot.ui.pages import PageContext
from tests.integration.backtest.conftest import World
from tests.support.bokeh_text import assert_shows


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
    assert vm.decision_errors == ""
    stats = dict(zip(vm.stats["Statistique"], vm.stats["Valeur"], strict=True))
    assert stats["Solde initial"] == "1\u202f000,00"  # aristobot.ui.numbers
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
    # Deleting asks first: nothing goes before « Oui, supprimer ».
    vm.request_delete([first])
    assert vm.pending_delete == [first] and f"n° {first}" in vm.delete_prompt()
    assert first in list(vm.past["id"])
    vm.cancel_delete()
    assert vm.pending_delete == [] and first in list(vm.past["id"])
    vm.request_delete([first])
    vm.confirm_delete()
    assert first not in list(vm.past["id"]) and vm.pending_delete == []
    assert "supprimé" in vm.message
    vm.request_delete([])
    assert "Cochez" in vm.error and vm.pending_delete == []


async def test_dates_are_shown_in_the_user_zone(world: World) -> None:
    vm = _vm(world)
    vm.end_date = date(2024, 1, 1)
    req = vm.request()  # the picked day is a Paris day
    assert req.start == datetime(2023, 12, 31, 23, tzinfo=UTC)
    assert req.end == datetime(2024, 1, 1, 23, tzinfo=UTC)
    assert req.timezone == "Europe/Paris"
    vm.end_date = date(2024, 1, 3)
    assert await vm.start()
    await vm.wait()
    assert vm.error == "", vm.error
    trades = results_store.trades_frame(_last_trades(world))
    first_entry = trades["entry_time"].iloc[0].to_pydatetime()
    assert vm.trades["Entrée"].iloc[0] == format_dt(first_entry, "Europe/Paris")
    assert vm.trades["Entrée"].iloc[0].endswith(" CET")
    # the picked days, the end day included (the stored end is the next midnight, exclusive)
    assert vm.past["Période"].iloc[0] == "2024-01-01 → 2024-01-03"
    axis = vm.chart.children[-1][0].xaxis[0]  # the shared time axis, under the drawdown
    assert axis.axis_label == "Heure (Europe/Paris)"


def _last_trades(world: World) -> list[dict[str, object]]:
    with world.runtime.sessions() as s:
        rid = results_store.list_results(s, world.user_id)[0].id
        return list(results_store.load_result(s, world.user_id, rid).trades.to_dict("records"))


def _set_code(world: World, code: str) -> None:
    with world.runtime.sessions.begin() as s:
        s.get(StrategyRow, world.strategy_id).code = code


async def test_every_decision_failing_ends_with_a_french_error(world: World) -> None:
    _set_code(world, EMA_CROSS_EXAMPLE.replace("return 0.02", "return 5.0"))
    vm = _vm(world)
    assert await vm.start()
    await vm.wait()
    assert "aucune décision valable" in vm.error
    assert "calculate_stop_loss" in vm.error and " CET" in vm.error  # the first error, dated
    assert vm.phase == "Erreur" and len(vm.past) == 0  # not stored as « 0 trade »


async def test_some_decisions_failing_are_shown_beside_the_result(world: World) -> None:
    _set_code(world, EMA_CROSS_EXAMPLE.replace(
        "return 0.02", 'return 5.0 if self.candles.index[-1].day == 2 else 0.02'))
    vm = _vm(world)
    assert await vm.start()
    await vm.wait()
    assert vm.error == "" and len(vm.trades) > 0
    assert vm.decision_errors.startswith("Attention : ")
    assert "décision de la stratégie en erreur" in vm.decision_errors
    assert "calculate_stop_loss doit renvoyer une fraction" in vm.decision_errors
    shown = vm.decision_errors
    vm.decision_errors = ""
    vm.reopen(vm.result_id)  # the stored result says it again
    assert vm.decision_errors == shown


async def test_an_exception_in_the_strategy_shows_its_line(world: World) -> None:
    code = EMA_CROSS_EXAMPLE.replace(
        "return False  # Pas assez de données",
        'return False  # Pas assez de données\n        if len(self.candles) > 30:\n'
        '            raise KeyError("colonne absente")')
    assert code != EMA_CROSS_EXAMPLE
    _set_code(world, code)
    vm = _vm(world)
    assert await vm.start()
    await vm.wait()
    assert "Erreur dans la stratégie" in vm.error and "colonne absente" in vm.error
    assert "ligne 20" in vm.error.lower()


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
    # the user's own strategy and broker are offered, with the run form
    assert_shows(page.get_root(Document()), "Backtest", "EMA 10/20", "Paper", "Stratégie",
                 "Symbole", "Montant de départ")
