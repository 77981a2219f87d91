"""The migrated schema on SQLite and PostgreSQL: exact decimals, UTC times, cascades."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from aristobot.db.engine import alembic_config
from aristobot.db.models import BrokerRow, CandleRow, StrategyRow, TradeRow, UserRow
from tests.support.factories import make_user


def test_models_match_migrations(db_url: str) -> None:
    command.check(alembic_config(db_url))  # raises when a model differs from the migrations


def test_decimals_are_exact_and_times_utc(sessions) -> None:  # type: ignore[no-untyped-def]
    paris = timezone(timedelta(hours=1))
    t = datetime(2024, 8, 9, 1, 0, tzinfo=paris)
    price = Decimal("61234.123456789012345678")
    with sessions.begin() as s:
        s.add(
            CandleRow(
                exchange="binance",
                symbol="BTC/USDT",
                timeframe="1m",
                open_time=t,
                close_time=t + timedelta(minutes=1),
                open=price,
                high=price,
                low=price,
                close=Decimal("0.000000000000000001"),
                volume=Decimal("0"),
            )
        )
    with sessions() as s:
        row = s.scalars(select(CandleRow)).one()
        assert row.open == price
        assert row.close == Decimal("0.000000000000000001")
        assert row.open_time == datetime(2024, 8, 9, 0, 0, tzinfo=UTC)
        assert row.open_time.tzinfo is not None


def test_naive_datetime_is_refused(sessions) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StatementError):
        with sessions.begin() as s:
            s.add(
                CandleRow(
                    exchange="b",
                    symbol="X",
                    timeframe="1m",
                    open_time=datetime(2024, 1, 1),
                    close_time=datetime(2024, 1, 1),
                    open=1,
                    high=1,
                    low=1,
                    close=1,
                    volume=1,
                )
            )


def test_candle_key_is_unique(sessions) -> None:  # type: ignore[no-untyped-def]
    t = datetime(2024, 1, 1, tzinfo=UTC)
    kw = dict(
        exchange="binance",
        symbol="BTC/USDT",
        timeframe="1m",
        open_time=t,
        close_time=t,
        open=1,
        high=1,
        low=1,
        close=1,
        volume=1,
    )
    with sessions.begin() as s:
        s.add(CandleRow(**kw))
    with pytest.raises(IntegrityError):
        with sessions.begin() as s:
            s.add(CandleRow(**kw))


def test_deleting_a_user_cascades(sessions) -> None:  # type: ignore[no-untyped-def]
    alice = make_user(sessions, "alice")
    bob = make_user(sessions, "bob")
    with sessions.begin() as s:
        for uid in (alice.id, bob.id):
            broker = BrokerRow(user_id=uid, name="paper", exchange="paper")
            s.add(broker)
            s.flush()
            s.add(StrategyRow(user_id=uid, name="s", code="x"))
            s.add(
                TradeRow(
                    user_id=uid,
                    broker_id=broker.id,
                    source="manual",
                    exchange="paper",
                    symbol="BTC/USDT",
                    side="buy",
                    order_type="market",
                    quantity=Decimal("0.1"),
                    status="error",
                    error="x",
                )
            )
            s.get(UserRow, uid).default_broker_id = broker.id  # type: ignore[union-attr]
    with sessions.begin() as s:
        s.delete(s.get(UserRow, alice.id))
    with sessions() as s:
        assert s.scalars(select(BrokerRow.user_id)).all() == [bob.id]
        assert s.scalars(select(StrategyRow.user_id)).all() == [bob.id]
        assert s.scalars(select(TradeRow.user_id)).all() == [bob.id]
