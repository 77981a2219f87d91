"""Exchange-native stop loss through the real ccxt client on the fake Binance: placed after
the entry, re-placed by the watchdog when cancelled, and its fill closes the position."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from aristobot.brokers import BrokerDraft, create_broker
from aristobot.brokers.connections import get_manager
from aristobot.db.models import AlertRow, PositionRow, TradeRow
from aristobot.engine import positions as pos
from aristobot.engine.service import Engine
from aristobot.runtime import Runtime
from aristobot.strategies import StrategyPool
from tests.support.engine import activate, add_candles, minutes, signal, strategy_code
from tests.support.factories import make_user
from tests.support.fake_binance import FakeBinance

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PROTECTED = strategy_code(should_long="return True", stop_loss="return 0.02",
                          take_profit="return 0.05")


def _stops(fake: FakeBinance) -> list[dict[str, object]]:
    return [o for o in fake.orders if o["type"] == "STOP_LOSS_LIMIT" and o["status"] == "NEW"]


async def test_native_stop_loss_lifecycle(runtime: Runtime, pool: StrategyPool,
                                          fake: FakeBinance) -> None:
    fake.add_account("key-a", "secret-a", USDT="10000")
    alice = make_user(runtime.sessions)
    with runtime.sessions.begin() as s:
        bid = create_broker(s, runtime.vault, alice.id, BrokerDraft(
            "Binance", "binance", {"apiKey": "key-a", "secret": "secret-a"})).id
    opens = add_candles(runtime.sessions, "BTC/USDT", "1m", T0, [50000, 50000, 50000])
    aid = activate(runtime.sessions, alice.id, PROTECTED, name="Native", start=T0,
                   end=T0 + minutes(60), broker_id=bid)
    engine = Engine(runtime, decider=pool)
    [outcome] = (await engine.on_signal(signal("1m", opens[-1]))).outcomes
    assert outcome.status == "decided", outcome.reason
    with runtime.sessions() as s:
        p = pos.open_position(s, aid)
    assert p is not None and p.protection == "native" and p.stop_loss_order_id
    [stop] = _stops(fake)
    assert stop["stopPrice"] == "49000.00000000" and str(stop["orderId"]) == p.stop_loss_order_id

    # someone cancels it on the exchange: the watchdog puts it back
    ex = await get_manager(runtime).exchange_for(alice.id, bid)
    await ex.cancel_order(p.stop_loss_order_id, "BTC/USDT")
    [check] = await engine.protector.run_once()
    assert check.action == "replaced"
    [stop2] = _stops(fake)
    with runtime.sessions() as s:
        p2 = pos.open_position(s, aid)
        alert = s.scalar(select(AlertRow).where(AlertRow.kind == "engine.protection"))
    assert p2 is not None and p2.stop_loss_order_id == str(stop2["orderId"])
    assert alert is not None and "replacé" in alert.message

    # the market falls through the stop: the exchange sells, the engine closes the position
    fake.set_price("BTCUSDT", "48900")
    [check] = await engine.protector.run_once()
    assert check.action == "stop_loss" and check.detail == "native"
    with runtime.sessions() as s:
        closed = s.scalar(select(PositionRow).where(PositionRow.active_strategy_id == aid))
        stop_trades = list(s.scalars(select(TradeRow).where(TradeRow.order_type == "stop_loss")))
    assert closed is not None and closed.status == "closed" and closed.close_reason == "stop_loss"
    assert closed.realized_pnl is not None and closed.realized_pnl < 0
    assert {t.status for t in stop_trades} == {"canceled", "filled"}
    assert all(t.source == "strategy" and t.active_strategy_id == aid for t in stop_trades)


async def test_a_signal_exit_cancels_the_native_stop_first(runtime: Runtime,
                                                           pool: StrategyPool,
                                                           fake: FakeBinance) -> None:
    fake.add_account("key-a", "secret-a", USDT="10000")
    alice = make_user(runtime.sessions)
    with runtime.sessions.begin() as s:
        bid = create_broker(s, runtime.vault, alice.id, BrokerDraft(
            "Binance", "binance", {"apiKey": "key-a", "secret": "secret-a"})).id
    code = strategy_code(should_long="return True", should_short="return self.position is not None",
                         stop_loss="return 0.02")
    opens = add_candles(runtime.sessions, "BTC/USDT", "1m", T0, [50000, 50000, 50000, 50000])
    aid = activate(runtime.sessions, alice.id, code, name="Sortie", start=T0,
                   end=T0 + minutes(60), broker_id=bid)
    engine = Engine(runtime, decider=pool)
    await engine.on_signal(signal("1m", opens[-2]))
    assert len(_stops(fake)) == 1
    [outcome] = (await engine.on_signal(signal("1m", opens[-1]))).outcomes
    assert outcome.action == "exit" and outcome.status == "decided", outcome.reason
    assert _stops(fake) == []
    with runtime.sessions() as s:
        closed = s.scalar(select(PositionRow).where(PositionRow.active_strategy_id == aid))
    assert closed is not None and closed.status == "closed" and closed.close_reason == "signal"
