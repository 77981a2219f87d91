"""Manager, manual trading, paper broker and markets loading through real ccxt + fake Binance."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from sqlalchemy import event, func, select

from aristobot.brokers import BrokerDraft, create_broker, ensure_default_paper_broker
from aristobot.brokers.connections import EXCHANGES, build_manager, get_manager
from aristobot.brokers.markets import (
    load_exchange_markets,
    load_missing_markets,
    loaded_exchanges,
)
from aristobot.bus import Channels, InMemoryBus, Message
from aristobot.db.models import ExchangeSymbolRow, TradeRow
from aristobot.errors import (
    AristobotError,
    AuthenticationFailed,
    InsufficientFunds,
    NotFound,
    OrderStatusUnknown,
    ValidationError,
)
from aristobot.exchanges.paper import FixedPrices
from aristobot.exchanges.retry import NO_WAIT
from aristobot.runtime import Runtime
from aristobot.trading import trades as journal
from aristobot.trading.service import ManualTrading, OrderRequest
from tests.support.factories import make_user
from tests.support.fake_binance import FakeBinance


def _binance(rt: Runtime, user_id: int, key: str = "key-a", secret: str = "secret-a") -> int:
    with rt.sessions.begin() as s:
        return create_broker(s, rt.vault, user_id, BrokerDraft(
            f"B-{key}", "binance", {"apiKey": key, "secret": secret})).id


async def test_one_instance_per_broker_markets_loaded_once(runtime: Runtime,
                                                           fake: FakeBinance) -> None:
    alice = make_user(runtime.sessions)
    bid = _binance(runtime, alice.id)
    m = get_manager(runtime)
    h1 = await m.exchange_for(alice.id, bid)
    h2 = await m.exchange_for(alice.id, bid)
    assert h1 is h2 and "BTC/USDT" in h1.markets
    await h1.fetch_balance()
    assert fake.count("GET", "/api/v3/exchangeInfo") == 1
    assert h1._raw.enableRateLimit  # the ccxt instance's own configuration
    bob = make_user(runtime.sessions, "bob", "motdepasse-bob-123")
    with pytest.raises(NotFound):
        await m.exchange_for(bob.id, bid)
    await m.aclose()
    assert m.cached() == []


async def test_manual_orders_by_quantity_and_usd_are_journaled(runtime: Runtime,
                                                                fake: FakeBinance) -> None:
    alice = make_user(runtime.sessions)
    bid = _binance(runtime, alice.id)
    svc = ManualTrading(runtime)
    sub = await runtime.bus.subscribe(Channels.TRADES)
    t1 = await svc.place_order(alice.id, OrderRequest(bid, "BTC/USDT", "buy", amount=D("0.01")))
    assert t1.status == "filled" and t1.filled_quantity == D("0.01") and t1.source == "manual"
    t2 = await svc.place_order(alice.id, OrderRequest(bid, "BTC/USDT", "sell",
                                                      quote_amount=D("100")))
    assert t2.quantity == D("0.002") and t2.status == "filled"  # 100 USD at 50000
    assert (await sub.get(timeout=5)).payload["trade_id"] == t1.id
    p = await svc.portfolio(alice.id, bid)
    assert {line.asset for line in p.lines} == {"BTC", "USDT"}
    assert p.total_usd > D("34000")
    assert await svc.open_orders(alice.id, bid) == []
    await sub.close()


async def test_failed_attempts_are_rows_with_their_error(runtime: Runtime,
                                                         fake: FakeBinance) -> None:
    alice = make_user(runtime.sessions)
    bid = _binance(runtime, alice.id)
    poor = _binance(runtime, alice.id, "key-b", "secret-b")
    bad = _binance(runtime, alice.id, "key-x", "secret-x")
    svc = ManualTrading(runtime)
    with pytest.raises(ValidationError, match="ValidationError") as e:
        await svc.place_order(alice.id, OrderRequest(bid, "BTC/USDT", "buy", amount=D("0.000001")))
    assert "trop précise" in e.value.user_message()
    with pytest.raises(ValidationError) as e2:
        await svc.place_order(alice.id, OrderRequest(bid, "BTC/USDT", "buy", amount=D("0.00002")))
    assert "inférieur au minimum" in e2.value.user_message()
    with pytest.raises(InsufficientFunds):
        await svc.place_order(alice.id, OrderRequest(poor, "BTC/USDT", "buy", amount=D("0.01")))
    with pytest.raises(AuthenticationFailed):
        await svc.place_order(alice.id, OrderRequest(bad, "BTC/USDT", "buy", amount=D("0.01")))
    with runtime.sessions() as s:
        rows = journal.recent_trades(s, alice.id)
    assert len(rows) == 4 and all(r.status == "rejected" and r.error for r in rows)
    assert fake.count("POST", "/api/v3/order") == 2  # rule violations never reached it


async def test_ambiguous_failure_is_checked_never_resent_blindly(runtime: Runtime,
                                                                 fake: FakeBinance) -> None:
    alice = make_user(runtime.sessions)
    bid = _binance(runtime, alice.id)
    svc = ManualTrading(runtime)
    fake.fail("/api/v3/order", "ambiguous", method="POST")
    t = await svc.place_order(alice.id, OrderRequest(bid, "BTC/USDT", "buy", amount=D("0.01")))
    assert t.status == "filled"
    assert fake.count("POST", "/api/v3/order") == 1  # found by client order id, not re-sent
    fake.fail("/api/v3/order", "disconnect", times=10)  # neither placing nor asking works
    with pytest.raises(OrderStatusUnknown) as e:
        await svc.place_order(alice.id, OrderRequest(bid, "BTC/USDT", "buy", amount=D("0.01")))
    assert "vérifiez sur l'exchange" in e.value.user_message()
    with runtime.sessions() as s:  # unknown, not failed: sync_open_trades resolves it
        assert journal.recent_trades(s, alice.id)[0].status == "pending"


async def test_order_not_visible_yet_is_looked_for_again_never_resent(
        runtime: Runtime, fake: FakeBinance) -> None:
    alice = make_user(runtime.sessions)
    bid = _binance(runtime, alice.id)
    svc = ManualTrading(runtime)
    fake.fail("/api/v3/order", "ambiguous", method="POST")
    fake.fail("/api/v3/order", "notfound", times=2, method="GET")  # visible on the 3rd look
    t = await svc.place_order(alice.id, OrderRequest(bid, "BTC/USDT", "buy", amount=D("0.01")))
    assert t.status == "filled"
    assert fake.count("POST", "/api/v3/order") == 1
    fake.fail("/api/v3/order", "ambiguous", method="POST")
    fake.fail("/api/v3/order", "notfound", times=10, method="GET")  # never visible
    with pytest.raises(OrderStatusUnknown):
        await svc.place_order(alice.id, OrderRequest(bid, "BTC/USDT", "buy", amount=D("0.01")))
    assert fake.count("POST", "/api/v3/order") == 2  # a market order is never re-sent
    assert fake.count("GET", "/api/v3/order") == 3 + 4
    fake.failures.clear()
    assert await svc.sync_open_trades(alice.id, bid) == 1  # it did exist: now journaled
    with runtime.sessions() as s:
        assert journal.recent_trades(s, alice.id)[0].status == "filled"


async def test_rate_limit_and_network_errors_are_retried(runtime: Runtime,
                                                         fake: FakeBinance) -> None:
    alice = make_user(runtime.sessions)
    bid = _binance(runtime, alice.id)
    h = await get_manager(runtime).exchange_for(alice.id, bid)
    fake.fail("/api/v3/account", "429")
    fake.fail("/api/v3/account", "disconnect")
    fake.fail("/api/v3/ticker", "418")
    assert (await h.fetch_balance()).total_of("USDT") == 10000
    assert (await h.fetch_ticker("BTC/USDT")).last == 50000
    assert fake.count("GET", "/api/v3/account") == 3


async def test_user_b_cannot_trade_on_user_a_broker(runtime: Runtime) -> None:
    alice = make_user(runtime.sessions)
    bob = make_user(runtime.sessions, "bob", "motdepasse-bob-123")
    bid = _binance(runtime, alice.id)
    svc = ManualTrading(runtime)
    with pytest.raises(NotFound):
        await svc.place_order(bob.id, OrderRequest(bid, "BTC/USDT", "buy", amount=D("0.01")))
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(TradeRow)) == 0


async def test_paper_broker_fills_persists_and_survives_restart(runtime: Runtime) -> None:
    dev = make_user(runtime.sessions, "dev", "motdepasse-dev-123")
    with runtime.sessions.begin() as s:
        pid = ensure_default_paper_broker(s, dev.id, "1000").id
    prices = FixedPrices({"BTC/USDT": "20000"})
    get_manager(runtime).prices = prices  # type: ignore[assignment]
    svc = ManualTrading(runtime)
    t = await svc.place_order(dev.id, OrderRequest(pid, "BTC/USDT", "buy", quote_amount=D("200")))
    assert t.status == "filled" and t.quantity == D("0.01") and t.fee == D("0.2")
    lim = await svc.place_order(dev.id, OrderRequest(pid, "BTC/USDT", "buy", "limit",
                                                     amount=D("0.01"), price=D("19000")))
    assert lim.status == "open"
    # "Restart": a brand-new manager sees the same balances and open order.
    await get_manager(runtime).aclose()
    fresh = build_manager(runtime, policy=NO_WAIT)
    fresh.prices = prices  # type: ignore[assignment]
    runtime.install(EXCHANGES, fresh)
    svc2 = ManualTrading(runtime)
    assert len(await svc2.open_orders(dev.id, pid)) == 1
    bal = (await svc2.portfolio(dev.id, pid))
    usdt = next(x for x in bal.lines if x.asset == "USDT")
    assert usdt.total == D("799.8") and usdt.used == D("190.19")
    prices.prices["BTC/USDT"] = D("18500")
    assert await svc2.sync_open_trades(dev.id, pid) == 1
    with runtime.sessions() as s:
        assert journal.recent_trades(s, dev.id)[0].status == "filled"
    with pytest.raises(InsufficientFunds):
        await svc2.place_order(dev.id, OrderRequest(pid, "BTC/USDT", "buy", amount=D("1")))
    await fresh.aclose()


async def test_markets_loader_progress_and_missing_only(runtime: Runtime,
                                                        fake: FakeBinance) -> None:
    alice = make_user(runtime.sessions)
    _binance(runtime, alice.id)
    sub = await runtime.bus.subscribe(Channels.MARKETS_PROGRESS)
    result = await load_missing_markets(runtime)
    assert result == {"binance": len(fake.symbols)}
    with runtime.sessions() as s:
        assert loaded_exchanges(s) == {"binance": len(fake.symbols)}
        row = s.scalar(select(ExchangeSymbolRow).where(ExchangeSymbolRow.symbol == "BTC/USDT"))
        assert row is not None and row.amount_precision == D("0.00001")
        assert row.min_cost == D("5")
    progress = []
    while (msg := sub.get_nowait()) is not None:
        progress.append(msg.payload)
    pcts = [p["pct"] for p in progress]
    assert pcts[0] == 0 and pcts[-1] == 100 and pcts == sorted(pcts)
    # only the last message says « done » (the status bar stops its spinner on it), no error
    assert [p["done"] for p in progress] == [False] * (len(progress) - 1) + [True]
    assert {(p["exchange"], p["name"], p["error"]) for p in progress} == {
        ("binance", "Binance", None)}
    assert await load_missing_markets(runtime) == {}  # nothing missing any more
    await sub.close()


async def test_markets_loader_failure_ends_with_done_and_a_french_error(
        runtime: Runtime, fake: FakeBinance) -> None:
    fake.fail("/api/v3/exchangeInfo", "418", times=20)
    sub = await runtime.bus.subscribe(Channels.MARKETS_PROGRESS)
    with pytest.raises(AristobotError):
        await load_exchange_markets(runtime, "binance")
    progress = []
    while (msg := sub.get_nowait()) is not None:
        progress.append(msg.payload)
    assert [p["done"] for p in progress] == [False] * (len(progress) - 1) + [True]
    error = progress[-1]["error"]
    assert error and "Binance" in error and "exchangeInfo" not in error and "http" not in error
    with runtime.sessions() as s:
        assert loaded_exchanges(s) == {}
    await sub.close()


class _WatchingBus(InMemoryBus):
    """Records, at each publish, how many database transactions are open."""

    def __init__(self, open_tx: list[int]) -> None:
        super().__init__()
        self.open_tx = open_tx
        self.seen: list[int] = []

    async def publish(self, topic: str, type: str, payload: dict[str, Any]) -> Message:
        self.seen.append(self.open_tx[0])
        return await super().publish(topic, type, payload)


async def test_markets_write_holds_no_transaction_across_awaits(runtime: Runtime,
                                                                fake: FakeBinance) -> None:
    open_tx = [0]

    def began(conn: Any) -> None:
        open_tx[0] += 1

    def ended(conn: Any) -> None:
        open_tx[0] -= 1

    event.listen(runtime.engine, "begin", began)
    event.listen(runtime.engine, "commit", ended)
    event.listen(runtime.engine, "rollback", ended)
    bus = _WatchingBus(open_tx)
    runtime.bus = bus
    try:
        assert await load_exchange_markets(runtime, "binance") == len(fake.symbols)
        assert await load_exchange_markets(runtime, "binance") == len(fake.symbols)  # replace
    finally:
        event.remove(runtime.engine, "begin", began)
        event.remove(runtime.engine, "commit", ended)
        event.remove(runtime.engine, "rollback", ended)
    assert len(bus.seen) >= 6 and set(bus.seen) == {0}  # no publish inside a transaction
    with runtime.sessions() as s:
        assert loaded_exchanges(s) == {"binance": len(fake.symbols)}
