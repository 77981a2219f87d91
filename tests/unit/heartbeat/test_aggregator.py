"""The aggregator against candles computed independently with pandas resample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aristobot.core.aggregator import MINUTE_MS, CandleAggregator, ClosedCandle
from aristobot.domain.timeframe import HEARTBEAT_TIMEFRAMES, Timeframe

DAY_MS = 86_400_000


def make_trades(seed: int, start_ms: int, minutes: int, empty: set[int]) -> pd.DataFrame:
    """Random trades over ``minutes`` minutes, none in the ``empty`` minute offsets."""
    rng = np.random.default_rng(seed)
    n = minutes * 20
    ts = np.sort(rng.integers(start_ms, start_ms + minutes * MINUTE_MS, n))
    keep = ~np.isin((ts - start_ms) // MINUTE_MS, list(empty))
    ts = ts[keep]
    price = 30_000 + np.cumsum(rng.normal(0, 5, len(ts)))
    qty = rng.uniform(0.0001, 2.0, len(ts)).round(8)
    return pd.DataFrame({"ts": ts.astype(np.int64), "price": price, "qty": qty})


def reference(trades: pd.DataFrame, tf: Timeframe) -> pd.DataFrame:
    """Binance-like candles by pandas resample: empty windows carry the previous close."""
    s = trades.set_index(pd.to_datetime(trades["ts"], unit="ms", utc=True))
    rule = f"{tf.seconds // 60}min"
    ohlc = s["price"].resample(rule, label="left", closed="left").ohlc()
    vol = s["qty"].resample(rule, label="left", closed="left").sum()
    close = ohlc["close"].ffill()
    for col in ("open", "high", "low"):
        ohlc[col] = ohlc[col].fillna(close)
    ohlc["close"] = close
    ohlc["volume"] = vol
    return ohlc


def run(trades: pd.DataFrame, batch: int, since: int | None) -> list[ClosedCandle]:
    agg = CandleAggregator("BTC/USDT", since_ms=since)
    out: list[ClosedCandle] = []
    ts, p, q = (trades[c].to_numpy() for c in ("ts", "price", "qty"))
    for i in range(0, len(ts), batch):
        out += agg.ingest(ts[i : i + batch], p[i : i + batch], q[i : i + batch])
    out += agg.advance(int(ts[-1]) + DAY_MS)
    return out


@pytest.mark.parametrize("batch", [1, 7, 100_000])
def test_matches_pandas_across_a_day_boundary_with_empty_minutes(batch: int) -> None:
    start = 1_723_161_600_000 - 4 * 3600_000  # 2024-08-08 20:00 UTC, 4 h before midnight
    trades = make_trades(1, start, 8 * 60, empty={3, 4, 5, 61, 239, 240, 241})
    candles = run(trades, batch, since=start)
    end = start + 8 * 3600_000
    for tf in HEARTBEAT_TIMEFRAMES:
        ref = reference(trades, tf)
        got = [c for c in candles if c.timeframe is tf and c.open_time_ms < end]
        assert len(got) == len(ref), tf
        assert all(c.complete for c in got)
        for c, (t, row) in zip(got, ref.iterrows(), strict=True):
            assert c.open_time_ms == int(t.timestamp() * 1000)
            assert (c.open, c.high, c.low, c.close) == pytest.approx(
                (row.open, row.high, row.low, row.close), abs=1e-9
            )
            assert c.volume == pytest.approx(row.volume, abs=1e-9)
    ten = [c for c in candles if c.timeframe is Timeframe.M10]
    assert ten[0].open_time_ms % (10 * MINUTE_MS) == 0
    assert any(c.open_time_ms % DAY_MS == 0 for c in candles if c.timeframe is Timeframe.H4)
    empty = [c for c in candles if c.timeframe is Timeframe.M1 and c.trades == 0]
    assert len(empty) >= 7 and all(c.volume == 0 for c in empty)


def test_first_window_is_partial_without_since() -> None:
    start = 1_700_000_000_000 - 1_700_000_000_000 % (4 * 3600_000) + 90_000
    trades = make_trades(2, start, 30, empty=set())
    candles = run(trades, 50, since=None)
    first = {c.timeframe: c for c in reversed(candles)}
    assert all(not c.complete for c in first.values())
    later = [c for c in candles if c.timeframe is Timeframe.M1][1:]
    assert later and all(c.complete for c in later)


def test_late_trades_never_change_a_closed_candle() -> None:
    agg = CandleAggregator("X", timeframes=[Timeframe.M1], since_ms=0)
    a = np.array
    agg.ingest(a([10_000, 20_000]), a([100.0, 101.0]), a([1.0, 1.0]))
    closed = agg.ingest(a([61_000]), a([102.0]), a([1.0]))
    assert closed[0].close == 101.0 and closed[0].volume == 2.0
    assert agg.ingest(a([30_000, 59_999]), a([500.0, 1.0]), a([9.0, 9.0])) == []
    assert agg.late == 2
    # out of order inside one batch: the minute-0 trade after a minute-2 trade is late too
    agg.ingest(a([125_000, 62_000]), a([103.0, 104.0]), a([1.0, 1.0]))
    assert agg.late == 3


def test_invalid_trades_are_counted_and_skipped() -> None:
    agg = CandleAggregator("X", timeframes=[Timeframe.M1], since_ms=0)
    a = np.array
    agg.ingest(a([1, 2, 3, 4]), a([np.nan, -1.0, 100.0, np.inf]), a([1.0, 1.0, -2.0, 1.0]))
    assert agg.invalid == 4 and agg.accepted == 0
    agg.ingest(a([5]), a([100.0]), a([1.0]))
    (c,) = agg.advance(MINUTE_MS)
    assert (c.open, c.volume, c.trades) == (100.0, 1.0, 1)


def test_gap_marks_windows_partial_until_trades_flow_again() -> None:
    agg = CandleAggregator("X", timeframes=[Timeframe.M1, Timeframe.M5], since_ms=0)
    a = np.array
    agg.ingest(a([1_000]), a([100.0]), a([1.0]))
    agg.mark_gap()
    out = agg.ingest(a([3 * MINUTE_MS + 5]), a([101.0]), a([1.0]))
    assert [c.complete for c in out] == [False, False, False]
    out = agg.ingest(a([4 * MINUTE_MS + 5, 5 * MINUTE_MS]), a([102.0, 103.0]), a([1.0, 1.0]))
    m1 = [c for c in out if c.timeframe is Timeframe.M1]
    m5 = [c for c in out if c.timeframe is Timeframe.M5]
    assert [c.complete for c in m1] == [False, True] and m5[0].complete is False


def test_add_minute_rolls_klines_into_higher_timeframes() -> None:
    agg = CandleAggregator("X", timeframes=[Timeframe.M1, Timeframe.M3])
    out = []
    for i, (o, h, lo, c) in enumerate([(1, 5, 1, 4), (4, 9, 3, 8), (8, 8, 2, 2)]):
        out += agg.add_minute(i * MINUTE_MS, o, h, lo, c, 1.5, 3)
    (m3,) = [c for c in out if c.timeframe is Timeframe.M3]
    assert (m3.open, m3.high, m3.low, m3.close, m3.volume, m3.complete) == (1, 9, 1, 2, 4.5, True)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3 * 3600_000),
            st.floats(0.01, 1e6, allow_nan=False),
            st.floats(0, 100, allow_nan=False),
        ),
        min_size=1,
        max_size=300,
    ),
    st.integers(1, 50),
)
def test_properties_volume_conserved_and_extremes_bound_trades(
    rows: list[tuple[int, float, float]], batch: int
) -> None:
    rows.sort(key=lambda r: r[0])
    trades = pd.DataFrame(rows, columns=["ts", "price", "qty"]).astype(
        {"ts": np.int64, "price": np.float64, "qty": np.float64}
    )
    candles = run(trades, batch, since=0)
    for tf in HEARTBEAT_TIMEFRAMES:
        mine = [c for c in candles if c.timeframe is tf]
        assert sum(c.volume for c in mine) == pytest.approx(trades["qty"].sum(), rel=1e-9, abs=1e-9)
        assert sum(c.trades for c in mine) == len(trades)
        times = [c.open_time_ms for c in mine]
        assert times == sorted(times) and all(
            b - a == tf.ms for a, b in zip(times, times[1:], strict=False)
        )
        ts, px = trades["ts"].to_numpy(), trades["price"].to_numpy()
        for c in mine:
            lo, hi = np.searchsorted(ts, [c.open_time_ms, c.close_time_ms])
            if hi > lo:
                inside = px[lo:hi]
                assert c.high == inside.max() and c.low == inside.min()
                assert c.open == inside[0] and c.close == inside[-1]
            assert c.low <= min(c.open, c.close) <= max(c.open, c.close) <= c.high


# Exact behaviours, one by one (each of these killed a surviving mutant).
A = np.array


def test_candles_carry_the_symbol_and_timeframes_are_ordered_by_duration() -> None:
    agg = CandleAggregator("ETH/USDT", timeframes=[Timeframe.H1, Timeframe.M1, Timeframe.M5])
    assert agg.timeframes == (Timeframe.M1, Timeframe.M5, Timeframe.H1)
    agg.ingest(A([1_000]), A([10.0]), A([1.0]))
    out = agg.advance(3600_000)
    assert {c.symbol for c in out} == {"ETH/USDT"}
    # one batch closing several timeframes at once: shortest first
    assert [c.timeframe for c in out if c.close_time_ms == 3600_000] == [
        Timeframe.M1, Timeframe.M5, Timeframe.H1]


def test_trade_counts_and_counters_across_batches() -> None:
    agg = CandleAggregator("X", timeframes=[Timeframe.M1], since_ms=0)
    out = agg.ingest(A([1, 2, 61_000, 62_000, 63_000, 121_000]),
                     A([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), A([1.0] * 6))
    out += agg.ingest(A([121_500, 121_600]), A([0.0, 7.0]), A([1.0, 1.0]))  # zero: invalid
    out += agg.ingest(A([121_700, 121_800]), A([8.0, -1.0]), A([1.0, 1.0]))
    out += agg.advance(180_000)
    assert [c.trades for c in out] == [2, 3, 3]
    assert (agg.accepted, agg.invalid, agg.late) == (8, 2, 0)


def test_advance_closes_only_finished_minutes() -> None:
    assert CandleAggregator("X").advance(10 * MINUTE_MS) == []  # nothing open yet
    agg = CandleAggregator("X", timeframes=[Timeframe.M1], since_ms=0)
    agg.ingest(A([5_000]), A([100.0]), A([1.0]))
    assert agg.advance(59_999) == []
    assert agg.watermark_ms == 0
    (c,) = agg.advance(60_000)
    assert (c.open_time_ms, c.close, c.complete) == (0, 100.0, True)
    out = agg.advance(3 * MINUTE_MS + 30_000)  # minutes 1 and 2 closed empty, 3 opened
    assert [(c.open_time_ms, c.close, c.volume, c.complete) for c in out] == [
        (60_000, 100.0, 0.0, True), (120_000, 100.0, 0.0, True)]
    assert agg.watermark_ms == 3 * MINUTE_MS
    agg.ingest(A([3 * MINUTE_MS + 40_000]), A([101.0]), A([2.0]))  # not late: minute 3 is open
    assert agg.late == 0
    (c,) = agg.advance(4 * MINUTE_MS)
    assert (c.open_time_ms, c.open, c.close, c.volume, c.complete) == (
        3 * MINUTE_MS, 101.0, 101.0, 2.0, True)


def test_a_minute_opened_by_the_clock_during_a_gap_stays_partial() -> None:
    agg = CandleAggregator("X", timeframes=[Timeframe.M1], since_ms=0)
    agg.ingest(A([5_000]), A([100.0]), A([1.0]))
    agg.mark_gap()
    out = agg.advance(2 * MINUTE_MS + 30_000)
    assert [c.complete for c in out] == [False, False]
    agg.ingest(A([2 * MINUTE_MS + 40_000]), A([101.0]), A([1.0]))  # trades flow again
    (c,) = agg.advance(3 * MINUTE_MS)
    assert c.complete is False  # its first 40 s were not observed
    agg.ingest(A([3 * MINUTE_MS + 1]), A([102.0]), A([1.0]))
    assert agg.advance(4 * MINUTE_MS)[0].complete is True


def test_add_minute_fills_skipped_minutes_and_counts_late_klines() -> None:
    agg = CandleAggregator("X", timeframes=[Timeframe.M1])
    agg.add_minute(0, 10.0, 12.0, 9.0, 11.0, 5.0)
    out = agg.add_minute(3 * MINUTE_MS, 11.0, 11.0, 11.0, 11.0, 1.0, 4)
    assert [(c.open_time_ms, c.open, c.close, c.volume, c.trades, c.complete) for c in out] == [
        (60_000, 11.0, 11.0, 0.0, 0, True), (120_000, 11.0, 11.0, 0.0, 0, True),
        (180_000, 11.0, 11.0, 1.0, 4, True)]
    assert agg.add_minute(MINUTE_MS, 1.0, 1.0, 1.0, 1.0, 1.0) == []
    assert agg.add_minute(0, 1.0, 1.0, 1.0, 1.0, 1.0) == []
    assert agg.late == 2


def test_add_minute_default_is_one_trade_and_flat_klines_set_the_price() -> None:
    agg = CandleAggregator("X", timeframes=[Timeframe.M1])
    (first,) = agg.add_minute(0, 0.0, 0.0, 0.0, 50.0, 0.0, 0)  # no trade: flat at its close
    assert (first.open, first.high, first.low, first.close, first.trades) == (50, 50, 50, 50, 0)
    assert first.complete is True  # a kline is a full minute
    out = agg.add_minute(2 * MINUTE_MS, 51.0, 53.0, 50.5, 52.0, 1.0)
    assert [(c.open, c.close, c.trades, c.complete) for c in out] == [
        (50.0, 50.0, 0, True), (51.0, 52.0, 1, True)]  # the empty minute carries 50
    (flat,) = agg.add_minute(3 * MINUTE_MS, 0.0, 0.0, 0.0, 60.0, 0.0, 0)
    assert (flat.open, flat.high, flat.low, flat.close) == (60.0, 60.0, 60.0, 60.0)


def test_a_longer_window_is_aligned_and_partial_when_started_inside_or_without_since() -> None:
    agg = CandleAggregator("X", timeframes=[Timeframe.M1, Timeframe.M5])
    agg.ingest(A([2 * MINUTE_MS + 1]), A([10.0]), A([1.0]))  # starts inside the 5m window
    (m5,) = [c for c in agg.advance(5 * MINUTE_MS) if c.timeframe is Timeframe.M5]
    assert (m5.open_time_ms, m5.open, m5.complete) == (0, 10.0, False)
    agg = CandleAggregator("X", timeframes=[Timeframe.M1, Timeframe.M5])
    agg.ingest(A([5 * MINUTE_MS]), A([10.0]), A([1.0]))  # on the boundary, but no since_ms
    (m5,) = [c for c in agg.advance(10 * MINUTE_MS) if c.timeframe is Timeframe.M5]
    assert (m5.open_time_ms, m5.complete) == (5 * MINUTE_MS, False)
