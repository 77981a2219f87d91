"""The trade journal's rows, field by field: what is stored, filtered by broker, ordered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from aristobot.accounts.users import create_user
from aristobot.brokers import repository as brokers
from aristobot.db.models import TradeRow
from aristobot.domain.exchange import Order
from aristobot.strategies.repository import create_strategy
from aristobot.trading import trades

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> Iterator[tuple[Session, int, int, int, int]]:
    """A user with two paper brokers and a strategy."""
    from tests.support.user_world import VAULT

    with sessions() as s:
        uid = create_user(s, "carole", "motdepasse-carole-1").id
        b1 = brokers.create_broker(s, VAULT, uid, brokers.BrokerDraft(
            "Un", "paper", paper_capital=D(100))).id
        b2 = brokers.create_broker(s, VAULT, uid, brokers.BrokerDraft(
            "Deux", "paper", paper_capital=D(100))).id
        st = create_strategy(s, uid, "EMA").id
        yield s, uid, b1, b2, st


def _attempt(s: Session, uid: int, broker: int, n: int, **kw: Any) -> int:
    return trades.record_attempt(
        s, user_id=uid, broker_id=broker, exchange="paper", symbol="BTC/USDT", side="buy",
        order_type="market", quantity=D(n), price=None, quote_amount=None,
        client_order_id=f"c-{n}", **kw)


def test_an_attempt_stores_every_field(world: tuple[Session, int, int, int, int]) -> None:
    s, uid, b1, _b2, st = world
    tid = trades.record_attempt(
        s, user_id=uid, broker_id=b1, exchange="x" * 40, symbol="S" * 40, side="buy-long",
        order_type="o" * 20, quantity=D("0.5"), price=D("101.5"), quote_amount=D("50"),
        client_order_id="c-1", stop_loss=D("90"), take_profit=D("120"), strategy_id=st)
    row = s.get(TradeRow, tid)
    assert row is not None
    assert (row.user_id, row.broker_id, row.source, row.status, row.client_order_id) == (
        uid, b1, "manual", "pending", "c-1")
    assert (row.exchange, row.symbol, row.side, row.order_type) == (
        "x" * 32, "S" * 32, "buy-long"[:8], "o" * 16)
    assert (row.quantity, row.price, row.quote_amount, row.stop_loss, row.take_profit) == (
        D("0.5"), D("101.5"), D("50"), D("90"), D("120"))
    assert (row.strategy_id, row.webhook_id, row.active_strategy_id) == (st, None, None)


def test_an_exchange_order_is_copied_into_the_row(
        world: tuple[Session, int, int, int, int]) -> None:
    s, uid, b1, _b2, _st = world
    tid = _attempt(s, uid, b1, 1, source="strategy")
    view = trades.apply_order(s, uid, tid, Order(
        "EX-1", "c-1", "BTC/USDT", "market", "buy", "closed", D(1), D(1), None, D(100),
        D(100), D("0.1"), "USDT", raw={"id": "EX-1"}))
    assert (view.source, view.status, view.exchange_order_id, view.filled_quantity,
            view.average_price, view.quote_amount, view.fee, view.fee_currency, view.error) == (
        "strategy", "filled", "EX-1", D(1), D(100), D(100), D("0.1"), "USDT", None)
    row = s.get(TradeRow, tid)
    assert row is not None and row.raw == {"id": "EX-1", "status": "closed"}
    # an update without a cost keeps the amount already known; an unknown status is « open »
    view = trades.apply_order(s, uid, tid, Order(
        "EX-1", "c-1", "BTC/USDT", "market", "buy", "partially_filled", D(1), D(1)))
    assert (view.status, view.quote_amount, view.average_price) == ("open", D(100), None)
    failed = trades.mark_failed(s, uid, tid, "rejected", "Solde insuffisant.")
    assert (failed.status, failed.error) == ("rejected", "Solde insuffisant.")


def test_lists_are_per_broker_newest_first_and_limited(
        world: tuple[Session, int, int, int, int]) -> None:
    s, uid, b1, b2, _st = world
    ids = [_attempt(s, uid, b1 if n % 2 else b2, n) for n in range(1, 56)]
    for i, tid in enumerate(ids):  # created out of id order: newest by time first
        row = s.get(TradeRow, tid)
        assert row is not None
        row.created_at = T0 + timedelta(minutes=(i * 7) % 55)
    s.flush()
    by_time = sorted(ids, key=lambda t: ((ids.index(t) * 7) % 55, t), reverse=True)
    assert [v.id for v in trades.recent_trades(s, uid)] == by_time[:50]
    assert [v.id for v in trades.recent_trades(s, uid, limit=3)] == by_time[:3]
    on_b2 = [v.id for v in trades.recent_trades(s, uid, broker_id=b2, limit=100)]
    assert on_b2 == [t for t in by_time if t in ids[1::2]]
    same_time = [_attempt(s, uid, b1, n) for n in (90, 91)]
    for tid in same_time:
        row = s.get(TradeRow, tid)
        assert row is not None
        row.created_at = T0 + timedelta(days=1)
    s.flush()
    assert [v.id for v in trades.recent_trades(s, uid, limit=2)] == same_time[::-1]


def test_open_trades_and_order_lookup_stay_on_their_broker(
        world: tuple[Session, int, int, int, int]) -> None:
    s, uid, b1, b2, _st = world
    pending = _attempt(s, uid, b1, 1)
    opened, filled, elsewhere = (_attempt(s, uid, b, n) for b, n in ((b1, 2), (b1, 3), (b2, 4)))
    for tid, status in ((opened, "open"), (filled, "closed"), (elsewhere, "open")):
        trades.apply_order(s, uid, tid, Order(f"EX-{tid}", None, "BTC/USDT", "limit", "buy",
                                              status))
    trades.apply_order(s, uid, pending, Order("SAME", None, "BTC/USDT", "limit", "buy", "open"))
    trades.mark_failed(s, uid, pending, "pending", "")  # back to pending, order id kept
    assert [v.id for v in trades.open_trades(s, uid, b1)] == [pending, opened]
    assert [v.id for v in trades.open_trades(s, uid, b2)] == [elsewhere]
    assert trades.trade_by_order(s, uid, b1, f"EX-{opened}") == opened
    assert trades.trade_by_order(s, uid, b2, f"EX-{opened}") is None
    assert trades.trade_by_order(s, uid, b1, "SAME") == pending
