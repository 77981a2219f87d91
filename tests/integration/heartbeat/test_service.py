"""The heartbeat against the replay server: candles and signals in the DB and on the bus."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from aristobot.bus import Bus, Channels, InMemoryBus, Message
from aristobot.core.aggregator import ClosedCandle
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.db.models import AlertRow, CandleRow, HeartbeatSignalRow, HeartbeatStatusRow
from aristobot.domain.timeframe import HEARTBEAT_TIMEFRAMES, Timeframe
from aristobot.errors import BusError
from aristobot.heartbeat import store
from aristobot.heartbeat.messages import BUS_DOWN
from aristobot.heartbeat.service import OFFSET_CONFIRM, HeartbeatService
from aristobot.market.binance_rest import Kline
from tests.integration.heartbeat.conftest import H4, Harness, running
from tests.support.factories import make_settings


def assert_matches_reference(h: Harness, symbol: str, ccxt: str, first: int, last: int) -> None:
    got = h.db_candles(ccxt, "1m").set_index("t")
    ref = h.reference_1m(symbol, last).set_index("t")
    minutes = list(range(first, last, 60_000))
    assert minutes and set(minutes) <= set(got.index), "a 1m candle is missing"
    for t in minutes:
        for col in ("open", "high", "low", "close"):
            assert got.at[t, col] == ref.at[t, col], (t, col)
        assert abs(got.at[t, "volume"] - ref.at[t, "volume"]) < 1e-8


async def test_candles_and_signals_reach_db_and_bus(db_url: str, bus: Bus, tmp_path: Path) -> None:
    async with running(db_url, bus, tmp_path) as h:
        await h.wait_for(lambda: h.count("1m") >= 4 and h.count("3m") >= 2)
    boundary = h.start_ms + 10_000  # the 4 h boundary
    by_tf: dict[str, list[int]] = {}
    for m in h.signals:
        by_tf.setdefault(m.payload["signal"], []).append(m.payload["close_time_ms"])
        p = m.payload
        assert p["close_time_ms"] - p["open_time_ms"] in {tf.ms for tf in HEARTBEAT_TIMEFRAMES}
        assert p["candle_open_time"].endswith("+00:00") and "processed_at" in p
    for tf_name, times in by_tf.items():  # one signal per timeframe per boundary...
        assert len(times) == len(set(times))
        on_time = [m.payload["close_time_ms"] for m in h.signals
                   if m.payload["signal"] == tf_name and not m.payload["late"]]
        assert on_time == sorted(on_time)  # ...in order, but a late one may follow later ones
    for tf in HEARTBEAT_TIMEFRAMES:
        assert all(t % tf.ms == 0 for t in by_tf.get(tf.value, []))
        # the start-up window's candle only exists if REST could rebuild it (the replay only
        # knows the last 10 s before the boundary): no candle, no signal (a candle stored just
        # before the test stopped may have had no time to get its late signal delivered)
        if boundary in by_tf.get(tf.value, []):
            assert not h.db_candles("BTC/USDT", tf.value).query(
                f"t == {boundary - tf.ms}").empty, tf
    assert "4h" not in by_tf  # the replay cannot rebuild the 4 h start-up window
    with h.sessions() as s:
        rows = s.scalars(select(HeartbeatSignalRow)).all()
        status = s.scalars(select(HeartbeatStatusRow)).one()
    # every signal published is stored (timeframe and window), once; a stored one the bus did
    # not deliver can only be a late one (after a backfill) cut off by the stop
    def key(r: HeartbeatSignalRow) -> tuple[str, int, int]:
        return (r.signal_type, int(r.candle_open_time.timestamp() * 1000),
                int(r.candle_close_time.timestamp() * 1000))

    stored = {key(r): r for r in rows}
    published = [(m.payload["signal"], m.payload["open_time_ms"], m.payload["close_time_ms"])
                 for m in h.signals]
    assert len(stored) == len(rows) and len(set(published)) == len(published) >= 6
    assert set(published) <= set(stored)
    assert all(stored[k].latency_ms is None for k in set(stored) - set(published))
    assert {r.heartbeat_status_id for r in rows} == {status.id}
    assert status.last_application_stop is not None and status.symbols_monitored == ["BTC/USDT"]
    last = max(by_tf["1m"])
    assert_matches_reference(h, "BTCUSDT", "BTC/USDT", boundary, last)
    four = h.db_candles("BTC/USDT", "4h")
    assert four.empty or list(four["t"]) == [boundary - H4]  # only if REST could rebuild it


async def test_disconnect_mid_stream_loses_no_candle(db_url: str, tmp_path: Path) -> None:
    bus = InMemoryBus()
    symbols = ("BTCUSDT", "ETHUSDT")
    async with running(db_url, bus, tmp_path, symbols=symbols) as h:
        await h.wait_for(lambda: h.count("1m") >= 2)
        await h.server.drop_clients()
        await h.wait_for(lambda: h.service.stream.connects >= 2)
        await h.wait_for(lambda: h.service.counters["missing_ids"] > 0)
        assert h.service.status["is_coherent"] is False
        await h.wait_for(lambda: h.count("1m") >= 5)
        await h.wait_for(lambda: h.service.status["is_coherent"] is True)
    boundary = h.start_ms + 10_000
    last = max(m.payload["close_time_ms"] for m in h.signals if m.payload["signal"] == "1m")
    for sym, ccxt in (("BTCUSDT", "BTC/USDT"), ("ETHUSDT", "ETH/USDT")):
        assert_matches_reference(h, sym, ccxt, boundary, last)
    with h.sessions() as s:
        alerts = s.scalars(select(AlertRow).where(AlertRow.kind == "heartbeat_gap")).all()
    assert alerts and "non cohérent" in alerts[0].message
    ones = sorted(m.payload["close_time_ms"] for m in h.signals if m.payload["signal"] == "1m")
    assert ones == list(range(ones[0], ones[-1] + 1, 60_000))  # no boundary skipped


async def test_bad_frames_are_counted_and_skipped(sqlite_url: str, tmp_path: Path) -> None:
    bus = InMemoryBus()
    async with running(sqlite_url, bus, tmp_path) as h:
        await h.wait_for(lambda: h.count("1m") >= 1)
        bad = [
            "not json",
            "[1,2,3]",
            '{"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":1,"p":"NaN",'
            '"q":"1","T":1}}',
            '{"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":2,"p":"-5",'
            '"q":"1","T":2}}',
            '{"stream":"btcusdt@kline_1m","data":{"e":"kline"}}',
            '{"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT"}}',
        ]
        for frame in bad:
            await h.server.send_raw(frame)
        c = h.service.counters
        await h.wait_for(lambda: c["malformed"] >= 3 and c["invalid"] >= 2 and c["unknown"] >= 1)
        n = h.count("1m")
        await h.wait_for(lambda: h.count("1m") >= n + 2)  # still beating
    assert h.signals and all(m.payload["latency_ms"] is None for m in h.signals)  # accelerated


async def test_latency_is_measured_on_a_live_feed(sqlite_url: str, tmp_path: Path) -> None:
    # The service's clock follows the replay's market clock: the feed looks live to it.
    holder: list[Harness] = []

    def market_clock() -> float:
        t = holder[0].server.market_time_ms() if holder else None
        return (t if t is not None else holder[0].start_ms if holder else 0) / 1000

    # "live" means |offset| <= LIVE_OFFSET_MS market ms: at speed 10 that leaves the service
    # 500 ms of wall time to read a frame, ample on a loaded CI machine
    async with running(sqlite_url, InMemoryBus(), tmp_path, clock=market_clock, speed=10) as h:
        holder.append(h)
        await h.wait_for(lambda: any(not m.payload["late"] for m in h.signals))
    # late signals (the start-up window, published once backfilled) carry their delay instead
    lat = [m.payload["latency_ms"] for m in h.signals if not m.payload["late"]]
    assert lat and all(v is not None and v >= 0 for v in lat)
    assert all(m.payload["delay_ms"] >= 0 for m in h.signals if m.payload["late"])
    with h.sessions() as s:
        rows = s.scalars(select(HeartbeatSignalRow)).all()
    assert sum(r.latency_ms is not None for r in rows) == len(lat)


class FlakyBus(InMemoryBus):
    """An in-process bus that can be switched off like an unreachable Redis."""

    down = False

    async def publish(self, topic: str, type: str, payload: dict[str, Any]) -> Message:
        if self.down:
            raise BusError(reason="Redis injoignable (test)")
        return await super().publish(topic, type, payload)


async def test_bus_outage_does_not_stop_the_heartbeat(sqlite_url: str, tmp_path: Path) -> None:
    bus = FlakyBus()
    async with running(sqlite_url, bus, tmp_path) as h:
        await h.wait_for(lambda: h.count("1m") >= 1)
        bus.down = True
        await h.wait_for(lambda: h.service.counters["bus_errors"] > 0)
        assert h.service.status["last_error"] == BUS_DOWN
        stored = h.service.counters["signals"]
        await h.wait_for(lambda: h.service.counters["signals"] >= stored + 2)  # still beating
        bus.down = False
        n = h.count("1m")
        await h.wait_for(lambda: h.count("1m") >= n + 1)
        await h.wait_for(lambda: h.service.status["last_error"] is None)
    with h.sessions() as s:
        rows = s.scalars(select(HeartbeatSignalRow)).all()
    assert len(rows) > len(h.signals)  # the signals published while the bus was down are stored


def raw_trade(tid: int, event_ms: int, trade_ms: int | None = None) -> str:
    t = event_ms if trade_ms is None else trade_ms
    return ('{"stream":"btcusdt@trade","data":{"e":"trade","E":' + str(event_ms)
            + f',"s":"BTCUSDT","t":{tid},"p":"100","q":"1","T":{t}}}}}')


async def test_a_lone_far_event_time_does_not_move_the_clock(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_url)
    settings = make_settings(tmp_path, sqlite_url, heartbeat_symbols=("BTCUSDT",))
    service = HeartbeatService(settings, make_sessionmaker(engine), InMemoryBus(),
                               clock=lambda: 2_000_000.0)
    start = 1_700_000_000_000
    await service.process([raw_trade(1, start)])
    offset = service._offset_ms
    assert offset == start - 2_000_000_000
    await service.process([raw_trade(2, start + 60_000, trade_ms=start + 10 * 365 * 86_400_000)])
    assert service.counters["invalid"] == 1 and service._offset_ms == offset  # T ≠ E: invalid
    jump = start + 3600_000
    for i in range(OFFSET_CONFIRM - 1):
        await service.process([raw_trade(3 + i, jump + i)])
        assert service._offset_ms == offset  # ignored while unconfirmed
    await service.process([raw_trade(9, jump + 9)])
    assert service._offset_ms == jump + 9 - 2_000_000_000  # a confirmed jump is followed
    engine.dispose()


async def test_live_feed_rejects_event_times_far_from_our_clock(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_url)
    settings = make_settings(tmp_path, sqlite_url, heartbeat_symbols=("BTCUSDT",))
    now = 1_700_000_000_000
    service = HeartbeatService(settings, make_sessionmaker(engine), InMemoryBus(),
                               clock=lambda: now / 1000)
    await service.process([raw_trade(1, now - 100)])
    await service.process([raw_trade(2, now + 10 * 365 * 86_400_000)])  # T = E = 10 years ahead
    assert service.counters["invalid"] == 1
    assert service.aggs["BTCUSDT"].accepted == 1
    engine.dispose()


async def test_stop_during_start_up_still_writes_the_stop(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    settings = make_settings(tmp_path, db_url, heartbeat_symbols=("BTCUSDT",))
    service = HeartbeatService(settings, sessions, InMemoryBus())
    task = asyncio.ensure_future(service.run())
    await asyncio.sleep(0)  # run() is now waiting for its start to be written
    assert not service.started.is_set()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    with sessions() as s:
        row = s.scalars(select(HeartbeatStatusRow)).one_or_none()
    assert row is not None and row.last_application_start is not None
    assert row.last_application_stop is not None
    assert row.last_application_stop >= row.last_application_start
    engine.dispose()


def test_stop_is_recorded_even_without_a_start_row(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        store.mark_stop(s, datetime(2024, 1, 1, tzinfo=UTC))
    with sessions() as s:
        row = s.scalars(select(HeartbeatStatusRow)).one()
    assert row.last_application_stop is not None and row.is_connected is False
    engine.dispose()


class CandleCheckingBus(InMemoryBus):
    """A consumer reading ``candles`` the instant a 1m signal is published (no delay at all)."""

    def __init__(self, sessions: Any) -> None:
        super().__init__()
        self.sessions = sessions
        self.checked: list[int] = []
        self.missing: list[int] = []

    def publish_nowait(self, message: Message) -> None:
        p = message.payload
        if message.topic == Channels.HEARTBEAT and p["signal"] == "1m":
            opened = datetime.fromtimestamp(p["open_time_ms"] / 1000, UTC)
            with self.sessions() as s:
                row = s.scalars(select(CandleRow).where(
                    CandleRow.symbol == "BTC/USDT", CandleRow.timeframe == "1m",
                    CandleRow.open_time == opened)).one_or_none()
            (self.checked if row is not None else self.missing).append(p["open_time_ms"])
        super().publish_nowait(message)


async def test_signal_is_published_after_its_candle_is_stored(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_url)
    bus = CandleCheckingBus(make_sessionmaker(engine))
    async with running(sqlite_url, bus, tmp_path) as h:
        await h.wait_for(lambda: h.count("1m") >= 4)
    engine.dispose()
    boundary = h.start_ms + 10_000  # the minute before it was only partly seen (backfilled)
    assert [t for t in bus.missing if t >= boundary] == []
    assert len([t for t in bus.checked if t >= boundary]) >= 3


async def test_binance_error_frame_is_shown_in_french(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    settings = make_settings(tmp_path, sqlite_url, heartbeat_symbols=("BTCUSDT",))
    service = HeartbeatService(settings, make_sessionmaker(engine), InMemoryBus())
    await service.process(['{"error":{"code":2,"msg":"Invalid request"},"id":1}'])
    assert service.status["last_error"] == "Erreur Binance : requête invalide (code 2)"
    await asyncio.sleep(0)  # let the status publication task finish
    engine.dispose()


async def test_an_unrecoverable_candle_is_alerted_and_releases_coherence(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    settings = make_settings(tmp_path, sqlite_url, heartbeat_symbols=("BTCUSDT",))

    async def no_klines(symbol: str, interval: str, start: int, end: int) -> list[Kline]:
        return []  # the exchange never has this minute

    service = HeartbeatService(settings, sessions, InMemoryBus(), fetch_klines=no_klines,
                               backfill_attempts=2)
    service.on_connected("ws://test")
    open_ms = 1_704_081_600_000
    service._add_hole(ClosedCandle("BTC/USDT", Timeframe.M1, open_ms, 1, 1, 1, 1, 0, 0, False),
                      from_gap=True)
    assert service.status["is_coherent"] is False
    assert await service.backfill() == 1  # first attempt: kept for later
    assert await service.backfill() == 0  # given up
    # released: no longer « Non cohérent » (unknown until a candle is verified)
    assert service.status["is_coherent"] is None and service.counters["unrecoverable"] == 1
    await service.persister.flush()
    with sessions() as s:
        alerts = s.scalars(select(AlertRow).where(
            AlertRow.kind == "heartbeat_unrecoverable")).all()
    assert len(alerts) == 1 and "bougie irrécupérable BTC/USDT 1m" in alerts[0].message
    assert "2024-01-01 04:00 UTC" in alerts[0].message
    await asyncio.sleep(0)  # let the status publications finish
    engine.dispose()


async def test_coherence_waits_for_the_gap_minute_to_be_backfilled(
    sqlite_url: str, tmp_path: Path
) -> None:
    engine = make_engine(sqlite_url)
    settings = make_settings(tmp_path, sqlite_url, heartbeat_symbols=("BTCUSDT",))

    async def no_klines(symbol: str, interval: str, start: int, end: int) -> list[Kline]:
        return []

    service = HeartbeatService(settings, make_sessionmaker(engine), InMemoryBus(),
                               fetch_klines=no_klines, clock=lambda: 2_000_000.0)
    service.on_connected("ws://test")
    t = 1_704_081_600_000
    await service.process([raw_trade(1, t + 1000), raw_trade(2, t + 61_000)])
    await service.process([raw_trade(9, t + 62_000)])  # ids 3..8 lost inside the open minute
    assert service.status["is_coherent"] is False
    await service.backfill()  # other holes pending, but the gap's minute is not closed yet
    assert service.status["is_coherent"] is False
    engine.dispose()
