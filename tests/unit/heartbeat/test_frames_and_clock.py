"""Frame parsing, trade-id continuity, the market clock and the reconnect backoff."""

from __future__ import annotations

import random

import numpy as np

from aristobot.core.heartbeat_clock import HeartbeatClock
from aristobot.core.heartbeat_coherence import TradeIdTracker
from aristobot.domain.timeframe import Timeframe
from aristobot.market import backoff_delay, ccxt_symbol, combined_url, parse_frames
from aristobot.replay.sources import TapeTrade, trade_frame


def trade(tid: int, ts: int, price: str = "100.5", sym: str = "BTCUSDT") -> str:
    return trade_frame(TapeTrade(ts, sym, tid, price, "0.1", False))


def test_parse_combined_raw_and_bad_frames() -> None:
    frames = [
        trade(1, 1000),
        trade(2, 1001, sym="ETHUSDT"),
        '{"e":"trade","E":5,"s":"BTCUSDT","t":3,"p":"101","q":"2","T":1002}',  # raw stream
        "garbage",
        '{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":7}}',
        '{"result":null,"id":1}',
        '{"error":{"code":2,"msg":"Invalid request"},"id":1}',
        '{"stream":"x","data":{"e":"24hrMiniTicker"}}',
        trade(4, 1003, price="NaN"),
        trade(5, 1004, price="-1"),
        trade(6, 1005, price="inf"),
    ]
    b = parse_frames(frames)
    assert list(b.trades["BTCUSDT"].trade_id) == [1, 3]
    assert list(b.trades["BTCUSDT"].price) == [100.5, 101.0]
    assert list(b.trades["ETHUSDT"].ts) == [1001]
    assert (b.malformed, b.unknown, b.invalid, b.shutdown) == (1, 1, 3, True)
    assert b.errors == ["2: Invalid request"] and b.last_event_ms == 1001


def test_urls_and_symbols() -> None:
    assert combined_url("wss://h:9443/", ("BTCUSDT", "ETHUSDT")) == (
        "wss://h:9443/stream?streams=btcusdt@trade/ethusdt@trade"
    )
    assert ccxt_symbol("BTCUSDT") == "BTC/USDT" and ccxt_symbol("ETHBTC") == "ETH/BTC"


def test_tracker_finds_gaps_and_drops_duplicates() -> None:
    t = TradeIdTracker()
    keep, gaps = t.check("X", np.array([10, 11, 12]))
    assert keep is None and gaps == []
    keep, gaps = t.check("X", np.array([11, 12, 13, 17, 18]))  # overlap after a rotation
    assert keep is not None and list(keep) == [False, False, True, True, True]
    assert [(g.first, g.last) for g in gaps] == [(14, 16)] and t.missing == 3
    assert t.duplicates == 2


def test_clock_signals_each_boundary_once_smallest_first() -> None:
    c = HeartbeatClock([Timeframe.M1, Timeframe.M5])
    assert c.advance(3 * 60_000) == []  # start: nothing signalled for the past
    out = c.advance(5 * 60_000)
    assert [(s.timeframe.value, s.close_time_ms) for s in out] == [
        ("1m", 4 * 60_000), ("1m", 5 * 60_000), ("5m", 5 * 60_000)
    ]
    assert c.advance(5 * 60_000) == [] and c.advance(4 * 60_000) == []


def test_clock_caps_catch_up_after_a_long_outage() -> None:
    c = HeartbeatClock([Timeframe.M1], max_catch_up=3)
    c.advance(0)
    out = c.advance(100 * 60_000)
    assert len(out) == 3 and out[-1].close_time_ms == 100 * 60_000 and c.skipped == 97


def test_backoff_is_capped_and_jittered() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(a, 0.5, 30.0, rng) for a in range(12)]
    assert all(0.25 <= d <= 30.0 for d in delays) and delays[-1] >= 15.0
    assert len(set(delays)) == len(delays)


def test_absurd_trade_times_are_invalid() -> None:
    ok = '{"e":"trade","E":1000000,"s":"BTCUSDT","t":1,"p":"1","q":"1","T":999000}'
    far = '{"e":"trade","E":1000000,"s":"BTCUSDT","t":2,"p":"1","q":"1","T":4102444800000}'
    skew = '{"e":"trade","E":1000000,"s":"BTCUSDT","t":3,"p":"1","q":"1","T":1060001}'
    b = parse_frames([ok, far, skew])
    assert list(b.trades["BTCUSDT"].trade_id) == [1] and b.invalid == 2
    b = parse_frames([ok], event_window=(0, 999_999))  # event time outside the plausible window
    assert b.trades == {} and b.invalid == 1 and b.last_event_ms is None


# Exact behaviours (mutation testing: each of these killed a surviving mutant).
def test_tracker_per_symbol_first_batch_and_counts() -> None:
    t = TradeIdTracker()
    assert t.check("X", np.array([], dtype=np.int64)) == (None, [])
    keep, gaps = t.check("X", np.array([5, 7, 6, 9]))  # out of order inside a batch
    assert list(keep) == [True, True, False, True]
    assert [(g.symbol, g.first, g.last, g.count) for g in gaps] == [("X", 6, 6, 1), ("X", 8, 8, 1)]
    assert (t.missing, t.duplicates) == (2, 1)
    keep, gaps = t.check("Y", np.array([100]))  # another symbol: its own numbering
    assert keep is None and gaps == []
    keep, gaps = t.check("X", np.array([3, 9]))  # entirely old: all dropped
    assert list(keep) == [False, False] and gaps == [] and t.duplicates == 3
    keep, gaps = t.check("X", np.array([10]))
    assert keep is None and gaps == []


def test_clock_defaults_catch_up_floor_and_ordering() -> None:
    c = HeartbeatClock([Timeframe.M5, Timeframe.M1], max_catch_up=0)
    assert c.timeframes == (Timeframe.M1, Timeframe.M5) and c.max_catch_up == 1
    assert HeartbeatClock().max_catch_up == 60 and c.watermark_ms is None
    c.advance(60_000 + 30_000)
    assert c.watermark_ms == 90_000
    out = c.advance(10 * 60_000 + 1)
    assert [(s.timeframe, s.open_time_ms, s.close_time_ms) for s in out] == [
        (Timeframe.M1, 9 * 60_000, 10 * 60_000), (Timeframe.M5, 5 * 60_000, 10 * 60_000)]
    assert c.skipped == 8 + 1
    assert c.advance(10 * 60_000 + 2) == [] and c.watermark_ms == 10 * 60_000 + 2


def test_clock_catch_up_exactly_at_the_cap_skips_nothing() -> None:
    c = HeartbeatClock([Timeframe.M1], max_catch_up=3)
    c.advance(0)
    assert [s.close_time_ms for s in c.advance(3 * 60_000)] == [60_000, 120_000, 180_000]
    assert c.skipped == 0


def test_tracker_keeps_its_newest_id_and_adds_up_what_is_missing() -> None:
    t = TradeIdTracker()
    t.check("X", np.array([10]))
    assert [(g.first, g.last) for g in t.check("X", np.array([15]))[1]] == [(11, 14)]
    t.check("X", np.array([18]))
    assert t.missing == 4 + 2
    keep, _ = t.check("X", np.array([3]))  # an old id does not move the newest back
    assert list(keep) == [False]
    keep, gaps = t.check("X", np.array([4]))
    assert list(keep) == [False] and gaps == []


def test_clock_orders_timeframes_by_duration_not_by_label() -> None:
    c = HeartbeatClock([Timeframe.H1, Timeframe.M5, Timeframe.M1])
    assert c.timeframes == (Timeframe.M1, Timeframe.M5, Timeframe.H1)
    c.advance(0)
    c.advance(30_000)
    assert c.watermark_ms == 30_000
