"""Live = backtest: candles replayed through the live engine (paper broker) and a backtest
over the same candles give the same trades; « Rejouer » finds no difference, and a fill
deliberately moved away from the candle's close shows up."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from aristobot.brokers.connections import get_manager
from aristobot.db.models import PositionRow
from aristobot.engine.replay_report import replay
from aristobot.engine.service import Engine
from aristobot.runtime import Runtime
from aristobot.strategies import StrategyPool
from tests.support.engine import CandlePrices, activate, add_candles, minutes, signal, strategy_code
from tests.support.factories import make_user

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CLOSES = [round(100 + 4 * math.sin(i / 2.5) + (i % 3) * 0.3, 2) for i in range(45)]
TRADER = strategy_code(
    should_long="c = self.candles['close']\n        return len(c) > 2 and c.iloc[-1] > c.iloc[-2]",
    should_short="c = self.candles['close']\n        return len(c) > 1 and c.iloc[-1] < c.iloc[-2]",
    size="return 1000.0",
)


async def _run_live(runtime: Runtime, pool: StrategyPool, moved: int | None = None
                    ) -> tuple[int, int]:
    alice = make_user(runtime.sessions)
    aid = activate(runtime.sessions, alice.id, TRADER, name="Parité", start=T0,
                   end=T0 + minutes(120), window=30)
    prices = get_manager(runtime).prices
    assert isinstance(prices, CandlePrices)
    engine = Engine(runtime, decider=pool)
    for i, close in enumerate(CLOSES):
        [t] = add_candles(runtime.sessions, "BTC/USDT", "1m", T0 + minutes(i), [close])
        prices.override.pop("BTC/USDT", None)
        if moved is not None and i == moved:
            prices.override["BTC/USDT"] = Decimal(str(close)) + Decimal("0.5")  # a late fill
        [outcome] = (await engine.on_signal(signal("1m", t))).outcomes
        assert outcome.status == "decided", outcome.reason
    return alice.id, aid


async def test_live_engine_and_backtest_give_the_same_trades(runtime: Runtime,
                                                             pool: StrategyPool) -> None:
    user_id, aid = await _run_live(runtime, pool)
    with runtime.sessions() as s:
        live = list(s.scalars(select(PositionRow).where(PositionRow.active_strategy_id == aid)
                              .order_by(PositionRow.id)))
    assert len(live) >= 4  # the series makes it trade several times
    report = await replay(runtime.sessions, pool.run_job, user_id, aid, T0,
                          T0 + minutes(len(CLOSES)))
    assert report.rows and not report.differences, report.frame().to_string()
    entries = [r for r in report.rows if r.live and r.live.action == "enter_long"]
    assert len(entries) == len(live)
    for row, p in zip(entries, live, strict=True):
        assert row.live is not None and row.live.price == float(p.entry_price)
        assert row.replay is not None and row.replay.price == pytest.approx(float(p.entry_price))


async def test_a_fill_away_from_the_close_shows_up_in_the_report(runtime: Runtime,
                                                                 pool: StrategyPool) -> None:
    # the first rise with three candles known: the strategy enters there
    first_entry = next(i for i in range(2, len(CLOSES)) if CLOSES[i] > CLOSES[i - 1])
    user_id, aid = await _run_live(runtime, pool, moved=first_entry)
    report = await replay(runtime.sessions, pool.run_job, user_id, aid, T0,
                          T0 + minutes(len(CLOSES)))
    [diff] = report.differences
    assert diff.at == T0 + minutes(first_entry)
    assert diff.verdict == "prix d'exécution différent"
    assert diff.live is not None and diff.replay is not None
    assert diff.live.price == pytest.approx(diff.replay.price + 0.5)
    assert "Prix live" in report.frame().columns
