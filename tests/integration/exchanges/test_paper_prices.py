"""Paper prices: a fresh heartbeat candle, else the public ticker, else a candle <= 10 min old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from aristobot.brokers.connections import get_manager
from aristobot.db.models import CandleRow
from aristobot.errors import NoPriceAvailable
from aristobot.exchanges.paper import LivePrices
from aristobot.runtime import Runtime

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _candle(rt: Runtime, close: str, age: timedelta) -> None:
    with rt.sessions.begin() as s:
        s.add(CandleRow(exchange="binance", symbol="BTCUSDT", timeframe="1m",
                        open_time=NOW - age - timedelta(minutes=1), close_time=NOW - age,
                        open=D(close), high=D(close), low=D(close), close=D(close),
                        volume=D(1)))


async def test_fresh_candle_then_ticker_then_stale_candle(runtime: Runtime) -> None:
    manager = get_manager(runtime)
    prices = LivePrices(runtime.sessions, lambda: manager.public_exchange("binance"),
                        now=lambda: NOW)
    assert await prices.last_price("BTC/USDT") == D("50000")  # fake Binance ticker
    _candle(runtime, "42000", timedelta(minutes=1))
    assert await prices.last_price("BTC/USDT") == D("42000")
    offline = LivePrices(runtime.sessions, None, now=lambda: NOW + timedelta(minutes=8))
    assert await offline.last_price("BTC/USDT") == D("42000")  # 9 min old: still usable
    with pytest.raises(NoPriceAvailable) as e:
        await offline.last_price("ETH/USDT")
    assert "Aucun prix disponible pour ETH/USDT" in e.value.user_message()
    too_late = LivePrices(runtime.sessions, None, now=lambda: NOW + timedelta(hours=1))
    with pytest.raises(NoPriceAvailable) as e2:
        await too_late.last_price("BTC/USDT")  # an hour-old price fills nothing
    assert "vieille de 61 min (maximum 10 min)" in e2.value.user_message()
