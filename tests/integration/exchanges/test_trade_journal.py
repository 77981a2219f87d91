"""Every attempt is a trades row, and an interrupted send is resolved later, never lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from aristobot.brokers import BrokerDraft, create_broker, ensure_default_paper_broker
from aristobot.errors import BrokerInactive, ValidationError
from aristobot.runtime import Runtime
from aristobot.trading import trades as journal
from aristobot.trading.service import ManualTrading, OrderRequest
from tests.support.factories import make_user
from tests.support.fake_binance import FakeBinance


def _binance(rt: Runtime, user_id: int, active: bool = True) -> int:
    with rt.sessions.begin() as s:
        return create_broker(s, rt.vault, user_id, BrokerDraft(
            "B", "binance", {"apiKey": "key-a", "secret": "secret-a"}, is_active=active)).id


def _rows(rt: Runtime, user_id: int) -> list[journal.TradeView]:
    with rt.sessions() as s:
        return journal.recent_trades(s, user_id)


async def test_cancelled_after_sending_stays_pending_then_sync_resolves_it(
        runtime: Runtime, fake: FakeBinance) -> None:
    alice = make_user(runtime.sessions)
    bid = _binance(runtime, alice.id)
    svc = ManualTrading(runtime)
    await svc.exchange(alice.id, bid)  # markets loaded first
    hold = fake.hold("/api/v3/order", "POST")
    task = asyncio.get_running_loop().create_task(
        svc.place_order(alice.id, OrderRequest(bid, "BTC/USDT", "buy", amount=D("0.01"))))
    await hold.arrived.wait()  # the order request is at the exchange
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    [row] = _rows(runtime, alice.id)
    assert row.status == "pending" and "interrompu" in (row.error or "")
    hold.release.set()
    await hold.done.wait()  # the exchange executed it although nobody heard the answer
    assert await svc.sync_open_trades(alice.id, bid) == 1
    [row] = _rows(runtime, alice.id)
    assert row.status == "filled" and row.filled_quantity == D("0.01") and row.error is None
    assert fake.count("POST", "/api/v3/order") == 1


async def test_pending_row_never_sent_is_closed_once_old_enough(runtime: Runtime,
                                                                fake: FakeBinance) -> None:
    alice = make_user(runtime.sessions)
    bid = _binance(runtime, alice.id)
    svc = ManualTrading(runtime)
    await svc.exchange(alice.id, bid)
    hold = fake.hold("/api/v3/ticker")  # stopped while reading the price, before sending
    task = asyncio.get_running_loop().create_task(
        svc.place_order(alice.id, OrderRequest(bid, "BTC/USDT", "buy", amount=D("0.01"))))
    await hold.arrived.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    hold.release.set()
    soon = ManualTrading(runtime, now=lambda: datetime.now(UTC) + timedelta(seconds=30))
    assert await soon.sync_open_trades(alice.id, bid) == 0  # may still be on its way
    assert _rows(runtime, alice.id)[0].status == "pending"
    later = ManualTrading(runtime, now=lambda: datetime.now(UTC) + timedelta(minutes=3))
    assert await later.sync_open_trades(alice.id, bid) == 1
    [row] = _rows(runtime, alice.id)
    assert row.status == "error" and "jamais été exécuté" in (row.error or "")
    assert fake.count("POST", "/api/v3/order") == 0


@pytest.mark.parametrize(("req", "words"), [
    (dict(side="hold"), "Sens d'ordre inconnu"),
    (dict(side="buy", order_type="stop"), "Type d'ordre inconnu"),
    (dict(side="buy", order_type="limit"), "exige un prix"),
])
async def test_malformed_requests_are_rejected_rows(runtime: Runtime, fake: FakeBinance,
                                                    req: dict[str, str], words: str) -> None:
    alice = make_user(runtime.sessions)
    bid = _binance(runtime, alice.id)
    with pytest.raises(ValidationError) as e:
        await ManualTrading(runtime).place_order(
            alice.id, OrderRequest(bid, "BTC/USDT", amount=D("0.01"), **req))
    assert words in e.value.user_message()
    [row] = _rows(runtime, alice.id)
    assert row.status == "rejected" and words in (row.error or "")
    assert fake.count("POST", "/api/v3/order") == 0


async def test_inactive_broker_refuses_orders_in_french(runtime: Runtime,
                                                        fake: FakeBinance) -> None:
    alice = make_user(runtime.sessions)
    bid = _binance(runtime, alice.id, active=False)
    with pytest.raises(BrokerInactive) as e:
        await ManualTrading(runtime).place_order(
            alice.id, OrderRequest(bid, "BTC/USDT", "buy", amount=D("0.01")))
    assert e.value.user_message() == "Le broker « B » est désactivé : aucun ordre n'est envoyé."
    assert _rows(runtime, alice.id)[0].status == "rejected"
    assert fake.count("POST", "/api/v3/order") == 0


def test_form_errors_can_be_journaled(runtime: Runtime) -> None:
    dev = make_user(runtime.sessions, "dev", "motdepasse-dev-123")
    with runtime.sessions.begin() as s:
        pid = ensure_default_paper_broker(s, dev.id, "1000").id
    view = ManualTrading(runtime).record_rejected(
        dev.id, pid, "BTC/USDT", "buy", "market",
        ValidationError(reason="Quantité : nombre attendu, reçu « abc »."))
    assert view.status == "rejected" and "abc" in (view.error or "")
