"""Protective orders (engine-managed on paper), the watchdog and restart reconciliation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from aristobot.brokers.connections import get_manager
from aristobot.db.models import (
    AlertRow,
    PaperBalanceRow,
    PositionRow,
    StrategyDecisionRow,
    TradeRow,
)
from aristobot.engine import positions as pos
from aristobot.engine.reconcile import reconcile
from aristobot.engine.service import Engine
from aristobot.runtime import Runtime
from aristobot.strategies import StrategyPool
from tests.support.engine import (
    CandlePrices,
    activate,
    add_candles,
    minutes,
    signal,
    strategy_code,
)
from tests.support.factories import make_user

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PROTECTED = strategy_code(should_long="return True", stop_loss="return 0.02",
                          take_profit="return 0.05")


async def _entered(runtime: Runtime, pool: StrategyPool) -> tuple[Engine, int, int]:
    alice = make_user(runtime.sessions)
    opens = add_candles(runtime.sessions, "BTC/USDT", "1m", T0, [100, 100, 100])
    aid = activate(runtime.sessions, alice.id, PROTECTED, name="Protégée", start=T0,
                   end=T0 + minutes(60))
    engine = Engine(runtime, decider=pool)
    [outcome] = (await engine.on_signal(signal("1m", opens[-1]))).outcomes
    assert outcome.status == "decided" and outcome.trade_id
    return engine, alice.id, aid


def _prices(runtime: Runtime) -> CandlePrices:
    prices = get_manager(runtime).prices
    assert isinstance(prices, CandlePrices)
    return prices


async def test_engine_managed_stop_loss_sells_at_the_first_check_below_it(
        runtime: Runtime, pool: StrategyPool) -> None:
    engine, _, aid = await _entered(runtime, pool)
    with runtime.sessions() as s:
        p = pos.open_position(s, aid)
    assert p is not None and p.protection == "engine"
    assert p.stop_loss == Decimal("98.00") and p.take_profit == Decimal("105.00")
    _prices(runtime).override["BTC/USDT"] = Decimal("99")
    [check] = await engine.protector.run_once()
    assert check.action == "none"
    with runtime.sessions() as s:
        marked = pos.open_position(s, aid)
    assert marked is not None and marked.unrealized_pnl is not None and marked.unrealized_pnl < 0
    _prices(runtime).override["BTC/USDT"] = Decimal("97.5")
    [check] = await engine.protector.run_once()
    assert check.action == "stop_loss"
    with runtime.sessions() as s:
        closed = s.scalar(select(PositionRow).where(PositionRow.active_strategy_id == aid))
        sells = list(s.scalars(select(TradeRow).where(TradeRow.side == "sell")))
    assert closed is not None and closed.status == "closed" and closed.close_reason == "stop_loss"
    assert closed.realized_pnl is not None and closed.realized_pnl < 0
    [sell] = sells
    assert sell.source == "strategy" and sell.profit_loss == closed.realized_pnl
    assert await engine.protector.run_once() == []  # nothing open any more


async def test_take_profit_and_a_failing_check_raises_an_alert(runtime: Runtime,
                                                               pool: StrategyPool) -> None:
    engine, alice, aid = await _entered(runtime, pool)
    _prices(runtime).override["BTC/USDT"] = Decimal("106")
    [check] = await engine.protector.run_once()
    assert check.action == "take_profit"
    with runtime.sessions() as s:
        closed = s.scalar(select(PositionRow).where(PositionRow.active_strategy_id == aid))
    assert closed is not None and closed.realized_pnl is not None and closed.realized_pnl > 0


async def test_watchdog_replaces_a_missing_native_order_by_engine_protection(
        runtime: Runtime, pool: StrategyPool) -> None:
    engine, alice, aid = await _entered(runtime, pool)
    with runtime.sessions.begin() as s:
        p = pos.open_position(s, aid)
        assert p is not None
        pos.update(s, p.id, protection="native", stop_loss_order_id="424242")  # cancelled
    [check] = await engine.protector.run_once()
    assert check.action == "alert" and "424242" in check.detail
    with runtime.sessions() as s:
        p2 = pos.open_position(s, aid)
        alerts = list(s.scalars(select(AlertRow).where(AlertRow.user_id == alice)))
    assert p2 is not None and p2.protection == "engine"
    assert any("absent" in a.message for a in alerts)
    _prices(runtime).override["BTC/USDT"] = Decimal("90")
    [check] = await engine.protector.run_once()
    assert check.action == "stop_loss"  # protected again, by the engine


async def test_restart_reconciliation_records_differences_and_overwrites_nothing(
        runtime: Runtime, pool: StrategyPool) -> None:
    engine, alice, aid = await _entered(runtime, pool)
    with runtime.sessions.begin() as s:
        btc = s.scalar(select(PaperBalanceRow).where(PaperBalanceRow.asset == "BTC"))
        assert btc is not None
        btc.free = Decimal(0)  # sold by hand while the engine was down
        s.add(StrategyDecisionRow(user_id=alice, active_strategy_id=aid,
                                  candle_open_time=T0 + minutes(10), timeframe="1m",
                                  status="pending"))
    result = await reconcile(runtime, engine.trading, engine.exchange_for)
    assert result.positions_checked == 1 and result.interrupted_decisions == 1
    [difference] = result.differences
    assert "Écart au redémarrage" in difference
    with runtime.sessions() as s:
        p = pos.open_position(s, aid)
        alert = s.scalar(select(AlertRow).where(AlertRow.kind == "engine.reconcile"))
        interrupted = s.scalar(select(StrategyDecisionRow).where(
            StrategyDecisionRow.candle_open_time == T0 + minutes(10)))
    assert p is not None and p.status == "open" and p.quantity > 0  # untouched
    assert alert is not None and alert.user_id == alice
    assert interrupted is not None and interrupted.status == "error"
    assert "pas rejouée" in (interrupted.reason or "")
