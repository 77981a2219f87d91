"""The offline Binance's public REST API through the real ccxt client (load_markets, tickers,
paginated OHLCV) and Binance's error bodies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import ccxt.async_support as ccxt
import pytest

from aristobot.exchanges.factory import create_exchange
from aristobot.exchanges.translation import translate
from aristobot.replay import ReplayServer, SyntheticMarket

START = 1_704_081_600_000  # 2024-01-01T04:00:00Z, a minute boundary
DAY = 86_400_000


@pytest.fixture
async def server() -> AsyncIterator[ReplayServer]:
    market = SyntheticMarket(("BTCUSDT", "ETHUSDT"), start_ms=START, rate_per_s=40,
                             start_prices={"BTCUSDT": 60_000.0, "ETHUSDT": 3_000.0})
    # eight market minutes of trades (then a quiet market), at 50 market minutes per second
    async with ReplayServer(market.trades(), speed=3000, history_seed=7,
                            limit=40 * 60 * 8) as srv:
        while (srv.market_time_ms() or 0) < START + 6 * 60_000:  # six full minutes of trades
            await asyncio.sleep(0.01)
        yield srv


@pytest.fixture
async def binance(server: ReplayServer) -> AsyncIterator[Any]:
    ex = create_exchange("binance", override_url=server.rest_url)
    try:
        yield ex
    finally:
        await ex.close()


async def test_load_markets_builds_spot_markets_with_binance_rules(binance: Any) -> None:
    markets = await binance.load_markets()
    for sym in ("BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT", "ETH/BTC"):
        assert markets[sym]["spot"] and markets[sym]["active"], sym
    btc = markets["BTC/USDT"]
    assert btc["precision"]["price"] == 0.01 and btc["precision"]["amount"] == 0.00001
    assert btc["limits"]["cost"]["min"] == 5.0 and btc["limits"]["amount"]["min"] == 0.00001
    assert binance.amount_to_precision("BTC/USDT", 0.0123456789) == "0.01234"
    assert binance.price_to_precision("XRP/USDT", 0.512345) == "0.5123"
    assert await binance.fetch_time() >= START


async def test_tickers_follow_the_replayed_trades(binance: Any, server: ReplayServer) -> None:
    ticker = await binance.fetch_ticker("BTC/USDT")
    assert ticker["last"] in set(server.logs["BTCUSDT"].price)  # a replayed trade's price
    assert ticker["high"] >= ticker["low"] > 0 and ticker["baseVolume"] > 0
    tickers = await binance.fetch_tickers(["BTC/USDT", "SOL/USDT"])
    assert set(tickers) == {"BTC/USDT", "SOL/USDT"} and tickers["SOL/USDT"]["last"] > 0
    book = await binance.fetch_bids_asks(["BTC/USDT"])
    assert book["BTC/USDT"]["ask"] > book["BTC/USDT"]["bid"] > 0
    prices = await binance.fetch_last_prices(["ETH/USDT"])
    assert prices["ETH/USDT"]["price"] > 0


async def test_ohlcv_pages_through_history_and_live_minutes(binance: Any) -> None:
    since = START - 2_500 * 60_000  # 2 500 minutes of seeded history, then live minutes
    rows: list[list[float]] = []
    cursor = since
    end = START + 6 * 60_000
    while cursor < end:  # the way the backtest's candle loader pages: last open + 1 step
        page = await binance.fetch_ohlcv("BTC/USDT", "1m", since=cursor, limit=1000)
        assert page
        rows += page
        cursor = int(page[-1][0]) + 60_000
    rows = [r for r in rows if r[0] < end]
    opens = [int(r[0]) for r in rows]
    assert opens[0] == since and opens == list(range(since, opens[-1] + 1, 60_000))
    assert opens[-1] >= START + 5 * 60_000  # live minutes follow the history seamlessly
    assert all(r[3] <= min(r[1], r[4]) <= max(r[1], r[4]) <= r[2] for r in rows)
    # another timeframe aggregates the same minutes
    five = await binance.fetch_ohlcv("BTC/USDT", "5m", since=since, limit=10)
    for k in five:
        minutes = [r for r in rows if k[0] <= r[0] < k[0] + 300_000]
        assert k[1] == minutes[0][1] and k[4] == minutes[-1][4]
        assert k[2] == max(m[2] for m in minutes) and k[3] == min(m[3] for m in minutes)
        assert k[5] == pytest.approx(sum(m[5] for m in minutes), rel=1e-9)
    # the seeded history is the same at every run (a stored candle stays right)
    again = await binance.fetch_ohlcv("BTC/USDT", "1m", since=since, limit=5)
    assert again == rows[:5]


async def test_daily_history_for_a_backtest_range(binance: Any) -> None:
    day0 = START - START % DAY
    days = await binance.fetch_ohlcv("ETH/USDT", "1d", since=day0 - 400 * DAY, limit=1000)
    assert len(days) == 400  # up to the last closed day, never the open one
    assert [int(d[0]) for d in days] == list(range(day0 - 400 * DAY, day0, DAY))
    assert all(d[5] > 0 and d[3] <= d[1] <= d[2] for d in days)


async def test_latest_klines_never_include_the_open_one(server: ReplayServer,
                                                        binance: Any) -> None:
    latest = await binance.fetch_ohlcv("BTC/USDT", "1m", limit=3)
    now = server.market_time_ms()
    assert now is not None and len(latest) == 3
    assert all(int(r[0]) + 60_000 <= now for r in latest)


async def test_errors_are_binance_bodies(binance: Any) -> None:
    with pytest.raises(ccxt.BadSymbol):
        await binance.fetch_ohlcv("NOPE/USDT", "1m")  # unknown market: ccxt refuses
    with pytest.raises(ccxt.BadRequest, match="Invalid interval"):
        await binance.publicGetKlines({"symbol": "BTCUSDT", "interval": "7m"})
    with pytest.raises(ccxt.BadSymbol, match="Invalid symbol"):
        await binance.publicGetKlines({"symbol": "NOPEUSDT", "interval": "1m"})
    with pytest.raises(ccxt.OperationFailed, match="n'est pas servi") as e:
        await binance.fetch_trades("BTC/USDT")  # /api/v3/aggTrades: not served offline
    shown = translate(e.value, "binance").user_message()  # what the user reads
    assert "Binance hors ligne" in shown and "broker Paper" in shown
    assert "aggTrades" not in shown and "/api/" not in shown  # no endpoint shown to a user
