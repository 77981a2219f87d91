"""The engine on Heartbeat signals: one decision per (strategy, candle), orders, failures."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from aristobot.db.models import PositionRow, StrategyDecisionRow, TradeRow
from aristobot.engine.runner import Outcome
from aristobot.engine.service import Engine
from aristobot.runtime import Runtime
from aristobot.strategies import StrategyPool
from tests.support.engine import (
    ALWAYS_LONG,
    HANGS,
    MOMENTUM,
    RAISES,
    activate,
    add_candles,
    minutes,
    signal,
)
from tests.support.factories import make_user
from tests.support.fake_binance import FakeBinance

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _count(rt: Runtime, model: type, *where: object) -> int:
    with rt.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_signal_decides_once_and_a_repeat_places_no_second_order(
        runtime: Runtime, pool: StrategyPool) -> None:
    alice = make_user(runtime.sessions)
    opens = add_candles(runtime.sessions, "BTC/USDT", "1m", T0, [100, 101, 102, 103])
    aid = activate(runtime.sessions, alice.id, ALWAYS_LONG, name="Toujours", start=T0,
                   end=T0 + minutes(60))
    engine = Engine(runtime, decider=pool)
    first = await engine.on_signal(signal("1m", opens[-1]))
    assert [o.status for o in first.outcomes] == ["decided"]
    assert first.outcomes[0].action == "enter_long" and first.outcomes[0].trade_id
    again = await engine.on_signal(signal("1m", opens[-1]))  # a restart / a second heartbeat
    assert [o.status for o in again.outcomes] == ["duplicate"]
    assert _count(runtime, TradeRow, TradeRow.active_strategy_id == aid) == 1
    with runtime.sessions() as s:
        trade = s.scalar(select(TradeRow).where(TradeRow.active_strategy_id == aid))
        row = s.scalar(select(StrategyDecisionRow))
        position = s.scalar(select(PositionRow).where(PositionRow.active_strategy_id == aid))
    assert trade is not None and trade.source == "strategy" and trade.status == "filled"
    assert trade.average_price == 103  # paper fills at the close of the decided candle
    assert row is not None and row.candle_open_time == opens[-1] and row.candles_count == 4
    assert row.candles_hash and row.inputs and row.inputs["balance"] == 10000.0
    assert row.outputs and row.outputs["action"] == "enter_long"
    assert position is not None and position.status == "open" and position.entry_price == 103


async def test_selection_timeframe_period_and_suspension(runtime: Runtime,
                                                         pool: StrategyPool) -> None:
    alice = make_user(runtime.sessions)
    opens = add_candles(runtime.sessions, "BTC/USDT", "1m", T0, [100, 101, 102])
    add_candles(runtime.sessions, "BTC/USDT", "5m", T0, [100])
    on_1m = activate(runtime.sessions, alice.id, MOMENTUM, name="Une", start=T0,
                     end=T0 + minutes(60))
    activate(runtime.sessions, alice.id, MOMENTUM, name="Cinq", timeframe="5m", start=T0,
             end=T0 + minutes(60))
    activate(runtime.sessions, alice.id, MOMENTUM, name="Plus tard", start=T0 + minutes(30),
             end=T0 + minutes(60))
    engine = Engine(runtime, decider=pool)
    report = await engine.on_signal(signal("1m", opens[-1]))
    assert [o.active_strategy_id for o in report.outcomes] == [on_1m]
    from aristobot.engine import selection

    with runtime.sessions.begin() as s:
        selection.suspend(s, alice.id, on_1m)
    later = await engine.on_signal(signal("1m", opens[-2]))
    assert later.outcomes == []


async def test_stale_candle_is_skipped_with_a_reason(runtime: Runtime, pool: StrategyPool,
                                                     fake: FakeBinance) -> None:
    alice = make_user(runtime.sessions)
    opens = add_candles(runtime.sessions, "BTC/USDT", "1m", T0, [100, 101, 102])
    fake.klines[("BTCUSDT", "1m")] = []  # the exchange has not published the candle either
    aid = activate(runtime.sessions, alice.id, ALWAYS_LONG, name="Attente", start=T0,
                   end=T0 + minutes(60))
    engine = Engine(runtime, decider=pool, candle_wait_s=0.5)
    report = await engine.on_signal(signal("1m", opens[-1] + minutes(1)))
    [outcome] = report.outcomes
    assert outcome.status == "skipped"
    assert outcome.reason is not None and "absente" in outcome.reason
    assert "périmées" in outcome.reason
    assert _count(runtime, TradeRow, TradeRow.active_strategy_id == aid) == 0
    assert engine.strategies[str(aid)]["last_error"] == outcome.reason


async def test_missing_candles_are_fetched_from_the_exchange(runtime: Runtime,
                                                             pool: StrategyPool,
                                                             fake: FakeBinance) -> None:
    alice = make_user(runtime.sessions)
    start = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
    activate(runtime.sessions, alice.id, MOMENTUM, name="Distante", start=start,
             end=start + minutes(600))
    engine = Engine(runtime, decider=pool)
    report = await engine.on_signal(signal("1m", start + minutes(100)))
    [outcome] = report.outcomes
    assert outcome.status == "decided", outcome.reason
    with runtime.sessions() as s:
        row = s.scalar(select(StrategyDecisionRow))
    assert row is not None and row.candles_count == 50  # the whole window came from ccxt
    assert fake.count("GET", "/api/v3/klines") >= 1


async def test_a_hanging_and_a_crashing_strategy_among_20_do_not_stop_the_others(
        runtime: Runtime) -> None:
    # 5 users (the maximum) x 4 strategies; a worker per owner kept warm
    pool = StrategyPool(1, memory_mb=768, call_timeout_s=3.0, max_workers=6)
    users = [make_user(runtime.sessions, f"user{i}", f"motdepasse-{i}-abc") for i in range(5)]
    opens = add_candles(runtime.sessions, "BTC/USDT", "1m", T0, [100, 101, 102, 103])
    ids = {}
    for i, u in enumerate(users):
        for k in range(4):
            code, kind = ALWAYS_LONG, "ok"
            if (i, k) == (0, 1):
                code, kind = HANGS, "hang"
            elif (i, k) == (3, 2):
                code, kind = RAISES, "raise"
            ids[activate(runtime.sessions, u.id, code, name=f"S{k}", start=T0,
                         end=T0 + minutes(60))] = kind
    try:
        engine = Engine(runtime, decider=pool)
        report = await engine.on_signal(signal("1m", opens[-1]))
    finally:
        await pool.aclose()
    by_kind: dict[str, list[Outcome]] = {"ok": [], "hang": [], "raise": []}
    for o in report.outcomes:
        by_kind[ids[o.active_strategy_id]].append(o)
    assert [o.status for o in by_kind["ok"]] == ["decided"] * 18
    assert all(o.trade_id for o in by_kind["ok"])
    [hang] = by_kind["hang"]
    [boom] = by_kind["raise"]
    assert hang.status == "error" and "Temps dépassé" in (hang.reason or "")
    assert boom.status == "error" and "boom" in (boom.reason or "")
    with runtime.sessions() as s:
        stored = {r.active_strategy_id: r for r in s.scalars(select(StrategyDecisionRow))}
    assert len(stored) == 20
    assert stored[hang.active_strategy_id].status == "error"
    assert "boom" in (stored[boom.active_strategy_id].reason or "")
