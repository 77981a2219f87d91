"""The replay server: record a stream into a tape, replay the tape, answer klines over HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from aristobot.errors import TemporaryError
from aristobot.market import BinanceKlinesClient
from aristobot.replay import ReplayServer, SyntheticMarket, read_tape, record


async def test_record_then_replay_a_tape(tmp_path: Path) -> None:
    market = SyntheticMarket(("BTCUSDT", "ETHUSDT"), start_ms=1_700_000_000_000, rate_per_s=50)
    tape = tmp_path / "tape.jsonl.gz"
    async with ReplayServer(market.trades(), speed=None) as server:
        n = await record(server.url, ("BTCUSDT",), tape, seconds=10, max_frames=300)
    assert n == 300
    trades = read_tape(tape)
    assert len(trades) == 300 and {t.symbol for t in trades} == {"BTCUSDT"}
    ids = [t.trade_id for t in trades]
    assert ids == list(range(ids[0], ids[0] + 300))
    copy = tmp_path / "copy.tape"
    async with ReplayServer(iter(trades), speed=None, shift_ms=1000) as again:
        assert await record(again.url, ("BTCUSDT",), copy, seconds=10, max_frames=300) == 300
    replayed = read_tape(copy)
    assert [(t.ts_ms - 1000, t.price, t.qty) for t in replayed] == [
        (t.ts_ms, t.price, t.qty) for t in trades
    ]


async def test_klines_over_http_and_errors() -> None:
    start = 1_700_000_000_000 - 1_700_000_000_000 % 60_000
    market = SyntheticMarket(("BTCUSDT",), start_ms=start, rate_per_s=50)
    async with ReplayServer(market.trades(), speed=6000) as server:
        while (server.market_time_ms() or 0) < start + 5 * 60_000:
            await asyncio.sleep(0.01)
        client = BinanceKlinesClient(server.rest_url)
        klines = await client.fetch("BTCUSDT", "1m", start, start + 3 * 60_000)
        assert [k.open_time_ms for k in klines] == [start, start + 60_000, start + 120_000]
        assert all(k.low <= k.open <= k.high and k.volume > 0 and k.trades > 0 for k in klines)
        with pytest.raises(TemporaryError) as e:
            await client.fetch("NOPE", "1m", start, start + 60_000)
        assert "symbole inconnu sur Binance" in e.value.user_message()
    assert "Invalid symbol" in str(e.value)  # the exchange's words: for the log
