"""The « Trading BOT » view-model on a real database, paper broker and worker pool."""

from __future__ import annotations

from datetime import UTC, datetime

from aristobot.brokers import ensure_default_paper_broker
from aristobot.engine.service import Engine
from aristobot.runtime import Runtime
from aristobot.strategies import StrategyPool
from aristobot.strategies.repository import create_strategy
from aristobot.ui.bots_vm import BotsVM
from tests.support.engine import ALWAYS_LONG, add_candles, signal
from tests.support.factories import make_user

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _vm(runtime: Runtime, user_id: int) -> BotsVM:
    return BotsVM(runtime, user_id, now=lambda: T0)


async def test_activate_suspend_resume_sell_stop_with_confirmation(
        runtime: Runtime, pool: StrategyPool) -> None:
    alice = make_user(runtime.sessions)
    with runtime.sessions.begin() as s:
        ensure_default_paper_broker(s, alice.id, "10000")
        create_strategy(s, alice.id, "Toujours", ALWAYS_LONG, timeframe="1m", window_size=30)
    vm = _vm(runtime, alice.id)
    vm.symbol, vm.timeframe, vm.end = "BTC/USDT", "1m", "2026-12-01 12:00"
    vm.start = "demain"
    vm.activate()
    assert "format AAAA-MM-JJ HH:MM" in vm.error
    vm.start = "2026-11-30 12:00"
    vm.activate()
    assert vm.error == "" and vm.selected is not None
    aid = vm.selected
    assert list(vm.bots["État"]) == ["Active"]
    vm.suspend()
    assert list(vm.bots["État"]) == ["Suspendue"]
    vm.resume()
    assert list(vm.bots["État"]) == ["Active"]

    opens = add_candles(runtime.sessions, "BTC/USDT", "1m", T0, [100, 101, 102])
    await Engine(runtime, decider=pool).on_signal(signal("1m", opens[-1]))
    vm.refresh()
    assert vm.bots["Position"][0].endswith("@ 102,00")  # the market's tick
    assert vm.bots["Dernière décision"][0].startswith("Achat")
    assert "Position :" in vm.detail and len(vm.trades) == 1

    vm.stop()  # a position is open: confirmation first, nothing changed yet
    assert "Une position est ouverte" in vm.confirm_stop
    assert list(vm.bots["État"]) == ["Active"]
    vm.cancel_stop()
    assert vm.confirm_stop == ""

    await vm.sell()  # market close; the strategy stays active
    assert vm.error == "" and "Position vendue" in vm.message
    assert vm.bots["Position"][0] == "—" and list(vm.bots["État"]) == ["Active"]
    assert len(vm.trades) == 2 and vm.trades["P&L réalisé"][0] != ""

    await Engine(runtime, decider=pool).on_signal(signal("1m", opens[-2]))  # re-enter
    vm.refresh()
    vm.stop()
    assert vm.confirm_stop
    vm.confirm()
    assert vm.selected == aid and list(vm.bots["État"]) == ["Arrêtée"]


async def test_another_user_sees_and_touches_nothing(runtime: Runtime) -> None:
    alice, bob = make_user(runtime.sessions), make_user(runtime.sessions, "bob", "motdepasse-b-1")
    with runtime.sessions.begin() as s:
        ensure_default_paper_broker(s, alice.id, "10000")
        create_strategy(s, alice.id, "A", ALWAYS_LONG, timeframe="1m", window_size=30)
    vm = _vm(runtime, alice.id)
    vm.start, vm.end = "2026-11-30 12:00", "2026-12-01 12:00"
    vm.activate()
    alice_bot = vm.selected
    other = _vm(runtime, bob.id)
    assert other.bots.empty and other.strategy_names == {} and other.broker_names == {}
    other.param.selected.objects = [alice_bot]
    other.selected = alice_bot  # forged from the browser
    other.suspend()
    assert "introuvable" in other.error
    vm.refresh()
    assert list(vm.bots["État"]) == ["Active"]


async def test_a_refresh_keeps_a_pending_stop_confirmation(runtime: Runtime,
                                                           pool: StrategyPool) -> None:
    alice = make_user(runtime.sessions)
    with runtime.sessions.begin() as s:
        ensure_default_paper_broker(s, alice.id, "10000")
        create_strategy(s, alice.id, "Toujours", ALWAYS_LONG, timeframe="1m", window_size=30)
    vm = _vm(runtime, alice.id)
    vm.start, vm.end = "2026-11-30 12:00", "2026-12-01 12:00"
    vm.activate()
    opens = add_candles(runtime.sessions, "BTC/USDT", "1m", T0, [100, 101])
    await Engine(runtime, decider=pool).on_signal(signal("1m", opens[-1]))
    vm.refresh()
    vm.stop()
    assert vm.confirm_stop
    vm.refresh()  # the page refreshes itself every 10 s
    assert vm.confirm_stop
