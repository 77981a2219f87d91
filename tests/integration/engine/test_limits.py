"""The 20-strategy limit and user isolation of active strategies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from aristobot.db.models import BrokerRow, StrategyRow
from aristobot.engine import selection
from aristobot.errors import LiveStrategyLimit, NotFound, ValidationError
from aristobot.runtime import Runtime
from tests.support.engine import MOMENTUM, activate, minutes
from tests.support.factories import make_user

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


async def test_at_most_the_limit_of_live_strategies(runtime: Runtime) -> None:
    a, b = make_user(runtime.sessions), make_user(runtime.sessions, "bob", "motdepasse-bob-1")
    ids = [activate(runtime.sessions, (a if i % 2 else b).id, MOMENTUM, name=f"S{i}", start=T0,
                    end=T0 + minutes(600)) for i in range(20)]
    with pytest.raises(LiveStrategyLimit) as e:
        activate(runtime.sessions, a.id, MOMENTUM, name="S20", start=T0, end=T0 + minutes(600))
    assert "20 stratégies actives au maximum" in e.value.user_message()
    with runtime.sessions.begin() as s:  # a suspended one cannot come back while full...
        selection.suspend(s, b.id, ids[0])
    activate(runtime.sessions, a.id, MOMENTUM, name="S21", start=T0, end=T0 + minutes(600))
    with runtime.sessions.begin() as s, pytest.raises(LiveStrategyLimit):
        selection.resume(s, b.id, ids[0], T0, 20)
    with runtime.sessions.begin() as s:  # ... until another one stops
        selection.stop(s, a.id, ids[1], T0 + minutes(1))
    with runtime.sessions.begin() as s:
        selection.resume(s, b.id, ids[0], T0 + minutes(1), 20)


async def test_users_never_touch_each_others_strategies(runtime: Runtime) -> None:
    a, b = make_user(runtime.sessions), make_user(runtime.sessions, "bob", "motdepasse-bob-1")
    aid = activate(runtime.sessions, a.id, MOMENTUM, name="A", start=T0, end=T0 + minutes(60))
    for action in (lambda s: selection.suspend(s, b.id, aid),
                   lambda s: selection.stop(s, b.id, aid, T0),
                   lambda s: selection.get_spec(s, b.id, aid)):
        with runtime.sessions.begin() as s, pytest.raises(NotFound):
            action(s)
    with runtime.sessions() as s:
        alice_strategy = s.scalar(select(StrategyRow.id).where(StrategyRow.user_id == a.id))
        alice_broker = s.scalar(select(BrokerRow.id).where(BrokerRow.user_id == a.id))
    assert alice_strategy is not None and alice_broker is not None
    with runtime.sessions.begin() as s, pytest.raises(NotFound):  # a's strategy, a's broker
        selection.activate(s, b.id, strategy_id=alice_strategy, broker_id=alice_broker,
                           symbol="BTC/USDT", timeframe="1m", start=T0, end=T0 + minutes(5),
                           now=T0, limit=20)


async def test_activation_errors_are_french(runtime: Runtime) -> None:
    a = make_user(runtime.sessions)
    with pytest.raises(ValidationError, match="fin doit être après"):
        activate(runtime.sessions, a.id, MOMENTUM, name="X", start=T0, end=T0)
    with pytest.raises(ValidationError, match="Unité de temps"):
        activate(runtime.sessions, a.id, MOMENTUM, name="Y", timeframe="7m", start=T0,
                 end=T0 + minutes(5))
