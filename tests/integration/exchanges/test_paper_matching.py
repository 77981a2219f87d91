"""Paper limit orders: filled by candles that went through the limit, on each 1m signal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_UP
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import select

from aristobot.brokers import ensure_default_paper_broker
from aristobot.brokers.connections import EXCHANGES, build_manager, get_manager
from aristobot.bus import Bus, Channels
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.db.models import CandleRow, PaperBalanceRow, PaperOrderRow
from aristobot.exchanges.paper import FixedPrices
from aristobot.exchanges.retry import NO_WAIT
from aristobot.runtime import Runtime
from aristobot.security import Vault
from aristobot.trading import trades as journal
from aristobot.trading.paper_matcher import serve
from aristobot.trading.service import ManualTrading, OrderRequest
from tests.support.factories import make_settings, make_user


def _candle(rt: Runtime, open_time: datetime, low: str, high: str, close: str) -> None:
    with rt.sessions.begin() as s:
        s.add(CandleRow(exchange="binance", symbol="BTC/USDT", timeframe="1m",
                        open_time=open_time, close_time=open_time + timedelta(minutes=1),
                        open=D(close), high=D(high), low=D(low), close=D(close), volume=D(1)))


async def _limit_buy(rt: Runtime) -> tuple[int, int, FixedPrices]:
    dev = make_user(rt.sessions, "dev", "motdepasse-dev-123")
    with rt.sessions.begin() as s:
        pid = ensure_default_paper_broker(s, dev.id, "1000").id
    prices = FixedPrices({"BTC/USDT": "20000"})
    get_manager(rt).prices = prices  # type: ignore[assignment]
    t = await ManualTrading(rt).place_order(dev.id, OrderRequest(
        pid, "BTC/USDT", "buy", "limit", amount=D("0.01"), price=D("19000")))
    assert t.status == "open"
    return dev.id, pid, prices


async def test_a_candle_low_since_the_order_fills_it(runtime: Runtime) -> None:
    user_id, pid, _ = await _limit_buy(runtime)
    now = datetime.now(UTC)
    _candle(runtime, now - timedelta(minutes=5), "18000", "20100", "20000")  # before: ignored
    handle = await get_manager(runtime).exchange_for(user_id, pid)
    assert await handle.match_paper_orders() == 0
    _candle(runtime, now + timedelta(minutes=1), "18950", "20050", "20000")  # dipped through
    assert await handle.match_paper_orders() == 1
    [order] = (await handle.fetch_open_orders()) or [None]
    assert order is None
    assert await ManualTrading(runtime).sync_open_trades(user_id, pid) == 1
    with runtime.sessions() as s:
        t = journal.recent_trades(s, user_id)[0]
    assert t.status == "filled" and t.average_price == D("19000")  # at the limit price


@pytest.fixture
async def bus_runtime(db_url: str, tmp_path: Path, bus: Bus) -> AsyncIterator[Runtime]:
    settings = make_settings(tmp_path, db_url)
    engine = make_engine(db_url)
    rt = Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine),
                 bus=bus, vault=Vault(str(settings.secret_key)))
    manager = build_manager(rt, policy=NO_WAIT)
    rt.install(EXCHANGES, manager)
    yield rt
    await rt.aclose()


async def test_matcher_fills_on_the_1m_heartbeat_signal(bus_runtime: Runtime) -> None:
    rt = bus_runtime
    user_id, _pid, prices = await _limit_buy(rt)
    trades = await rt.bus.subscribe(Channels.TRADES)
    ready = asyncio.Event()
    task = asyncio.get_running_loop().create_task(serve(rt, ready=ready))
    try:
        await ready.wait()
        prices.prices["BTC/USDT"] = D("18800")  # the market went through the limit
        await rt.bus.publish(Channels.HEARTBEAT, "signal", {"timeframe": "3m"})  # ignored
        await rt.bus.publish(Channels.HEARTBEAT, "signal", {"timeframe": "1m"})
        msg = await trades.get(timeout=10)
        assert msg.payload["status"] == "filled" and msg.payload["user_id"] == user_id
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await trades.close()
    with rt.sessions() as s:
        assert journal.recent_trades(s, user_id)[0].status == "filled"


async def test_paper_amounts_are_the_same_on_both_backends(runtime: Runtime) -> None:
    dev = make_user(runtime.sessions, "dev", "motdepasse-dev-123")
    with runtime.sessions.begin() as s:
        pid = ensure_default_paper_broker(s, dev.id, "10000").id
    price = D("12345.678912345678")
    get_manager(runtime).prices = FixedPrices({"BTC/USDT": price})  # type: ignore[assignment]
    handle = await get_manager(runtime).exchange_for(dev.id, pid)
    await handle.create_order("BTC/USDT", "market", "buy", D("0.123456789"))
    cost = D("0.123456789") * price  # 21 decimals, its fee 24: more than NUMERIC(38, 18)
    fee = (cost * D("0.001")).quantize(D("1e-18"), rounding=ROUND_UP)
    expected_usdt = D("10000") - cost.quantize(D("1e-18")) - fee
    with runtime.sessions() as s:
        usdt = s.scalar(select(PaperBalanceRow.free).where(PaperBalanceRow.broker_id == pid,
                                                            PaperBalanceRow.asset == "USDT"))
        order_fee = s.scalar(select(PaperOrderRow.fee).where(PaperOrderRow.broker_id == pid))
    assert (usdt, order_fee) == (expected_usdt, fee)  # what was computed is what is stored
    bal = await handle.fetch_balance()
    assert bal.free_of("USDT") == D(str(float(expected_usdt)))
