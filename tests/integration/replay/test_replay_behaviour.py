"""The replay server's market semantics: partial minutes, unpaced history, event times, faults."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedError

from aristobot.replay import ReplayServer, SyntheticMarket, TapeTrade

START = 1_704_081_600_000  # 2024-01-01T04:00:00Z


def tape(first_ms: int, minutes: int, per_minute: int = 30) -> list[TapeTrade]:
    """A tape starting mid-minute, its event times 7 ms after the trade times."""
    out, tid = [], 500
    step = 60_000 // per_minute
    for i in range(minutes * per_minute):
        ts = first_ms + i * step
        out.append(TapeTrade(ts, "BTCUSDT", tid, f"{60000 + i % 17:.2f}", f"0.{i % 9 + 1:05d}",
                             i % 2 == 0, event_ms=ts + 7))
        tid += 1
    return out


async def wait_for(cond: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def klines(server: ReplayServer, **q: Any) -> list[list[Any]]:
    status, body = server.exchange.answer("/api/v3/klines", {k: str(v) for k, v in q.items()})
    assert status == 200, body
    return list(body)


async def read_all(url: str, n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    async with connect(url + "/ws/btcusdt@trade") as ws:
        while len(out) < n:
            out.append(orjson.loads(await ws.recv()))
    return out


async def test_a_tapes_first_partial_minute_is_never_served() -> None:
    trades = tape(START + 25_000, 4)  # starts 25 s into the 04:00 minute
    async with ReplayServer(iter(trades), speed=None) as srv:
        frames = await read_all(srv.url, len(trades))
        assert [f["E"] for f in frames] == [t.ts_ms + 7 for t in trades]  # E as recorded
        rows = klines(srv, symbol="BTCUSDT", interval="1m", startTime=START - 600_000)
        assert [r[0] for r in rows] == [START + 60_000 * k for k in (1, 2, 3)]
        assert klines(srv, symbol="BTCUSDT", interval="5m", startTime=START) == []
    async with ReplayServer(iter(trades), speed=None, history_seed=3) as srv:
        await read_all(srv.url, len(trades))
        rows = klines(srv, symbol="BTCUSDT", interval="1m", startTime=START - 180_000)
        opens = [r[0] for r in rows]
        assert START - 60_000 in opens and START not in opens  # history, then the hole
        assert float(rows[opens.index(START - 60_000)][4]) == 60000.0  # joins the tape
        assert START + 60_000 in opens
        assert klines(srv, symbol="BTCUSDT", interval="5m", startTime=START,
                      endTime=START) == []


async def test_unpaced_replay_keeps_its_history_for_rest() -> None:
    trades = tape(START, 6)
    async with ReplayServer(iter(trades), speed=None) as srv:
        await read_all(srv.url, len(trades))
        await srv.finished.wait()
        assert srv.market_time_ms() == trades[-1].ts_ms  # the market is at its last trade
        rows = klines(srv, symbol="BTCUSDT", interval="1m", startTime=START)
    volume: dict[int, Decimal] = defaultdict(Decimal)
    for t in trades:
        volume[t.ts_ms - t.ts_ms % 60_000] += Decimal(t.qty)
    # every fully observed minute (not the one the last trade is in), exactly
    assert [(r[0], Decimal(r[5])) for r in rows] == sorted(volume.items())[:-1]


async def test_lose_makes_a_trade_id_gap_that_rest_still_counts() -> None:
    trades = tape(START, 3)
    async with ReplayServer(iter(trades), speed=None) as srv:
        srv.lose(5)
        frames = await read_all(srv.url, len(trades) - 5)
        await srv.finished.wait()
        ids = [f["t"] for f in frames]
        assert ids[0] == trades[0].trade_id + 5 and srv.lost == 5
        first = klines(srv, symbol="BTCUSDT", interval="1m", startTime=START)[0]
        assert first[8] == 30  # the exchange still has the lost trades


async def test_pause_delivers_frames_late_and_loses_nothing() -> None:
    now = int(time.time() * 1000)
    market = SyntheticMarket(("BTCUSDT",), start_ms=now, rate_per_s=50)
    async with ReplayServer(market.trades(), speed=1, clock_ms=now) as srv:
        async with connect(srv.url + "/ws/btcusdt@trade") as ws:
            first = orjson.loads(await ws.recv())
            await srv.apply("pause", 1.5)
            got = [first]
            late = 0.0
            while late < 1.0:  # a held frame arrives ≥ 1.5 s after its trade time
                f = orjson.loads(await asyncio.wait_for(ws.recv(), 20))
                got.append(f)
                late = max(late, time.time() - f["T"] / 1000)
            ids = [f["t"] for f in got]
            assert ids == list(range(ids[0], ids[0] + len(ids)))


async def test_drop_garbage_and_shutdown_reach_the_client() -> None:
    market = SyntheticMarket(("BTCUSDT",), start_ms=START, rate_per_s=5)
    async with ReplayServer(market.trades(), speed=1) as srv:
        async with connect(srv.url + "/stream?streams=btcusdt@trade") as ws:
            await ws.recv()
            await srv.apply("garbage", 2)
            await srv.apply("shutdown", 0)
            seen: list[str] = []
            while not any("serverShutdown" in s for s in seen):
                msg = await asyncio.wait_for(ws.recv(), 20)
                seen.append(msg if isinstance(msg, str) else msg.decode())
            assert "{not json" in seen
            await srv.apply("drop", 0)
            with pytest.raises(ConnectionClosedError):
                while True:
                    await asyncio.wait_for(ws.recv(), 20)


async def test_control_endpoint_injects_faults_on_demand() -> None:
    import aiohttp

    market = SyntheticMarket(("BTCUSDT",), start_ms=START, rate_per_s=5)
    async with ReplayServer(market.trades(), speed=1, control=True) as srv:
        async with connect(srv.url + "/ws/btcusdt@trade") as ws, aiohttp.ClientSession() as http:
            await ws.recv()
            async with http.get(srv.rest_url + "/control/drop") as r:
                assert r.status == 200 and (await r.json())["fault"] == "drop"
            with pytest.raises(ConnectionClosed):
                while True:
                    await asyncio.wait_for(ws.recv(), 20)
            async with http.get(srv.rest_url + "/control/explode") as r:
                assert r.status == 404
    async with ReplayServer(iter([]), speed=1) as srv, aiohttp.ClientSession() as http:
        async with http.get(srv.rest_url + "/control/drop") as r:  # off unless asked
            assert r.status == 404 and (await r.json())["code"] == -1000
