from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aristobot.core.downsample import aggregate_ohlcv, bucket_edges, minmax_indices


@settings(deadline=None)  # CI is a loaded 2-core machine: no per-example deadline
@given(st.integers(0, 5000), st.integers(1, 700))
def test_bucket_edges_cover_everything_once(n: int, k: int) -> None:
    edges = bucket_edges(n, k)
    assert edges[0] == 0 and edges[-1] == n
    assert len(edges) - 1 <= max(1, k)
    assert np.all(np.diff(edges) > 0) or n == 0


@settings(deadline=None)  # CI is a loaded 2-core machine: no per-example deadline
@given(st.lists(st.floats(1, 1e6), min_size=1, max_size=3000), st.integers(1, 200))
def test_aggregate_keeps_extremes_volume_and_ends(prices: list[float], k: int) -> None:
    c = np.asarray(prices)
    o = np.roll(c, 1)
    h, lo = np.maximum(o, c) * 1.01, np.minimum(o, c) * 0.99
    v = np.arange(len(c), dtype=float)
    t = np.arange(len(c)) * 60_000
    agg = aggregate_ohlcv(t, o, h, lo, c, v, k)
    assert len(agg["t"]) <= k
    assert agg["high"].max() == h.max() and agg["low"].min() == lo.min()
    assert agg["volume"].sum() == v.sum()
    assert agg["open"][0] == o[0] and agg["close"][-1] == c[-1]
    assert agg["t"][0] == 0 and agg["t_end"][-1] == t[-1]


def test_minmax_indices_keep_peaks_and_ends() -> None:
    v = np.random.default_rng(3).normal(size=100_000).cumsum()
    keep = minmax_indices(v, 500)
    assert len(keep) <= 1002
    assert keep[0] == 0 and keep[-1] == len(v) - 1
    assert v[keep].max() == v.max() and v[keep].min() == v.min()
    assert np.all(np.diff(keep) > 0)


def test_short_series_untouched() -> None:
    assert list(minmax_indices(np.arange(5.0), 10)) == [0, 1, 2, 3, 4]


# Exact results (mutation testing: each of these killed a surviving mutant).
def test_empty_inputs() -> None:
    assert bucket_edges(0, 5).tolist() == [0] and bucket_edges(0, 5).dtype == np.int64
    assert bucket_edges(-3, 5).tolist() == [0]
    empty = np.empty(0)
    agg = aggregate_ohlcv(empty, empty, empty, empty, empty, empty, 10)
    assert sorted(agg) == sorted(["t", "t_end", "open", "high", "low", "close", "volume"])
    assert all(len(a) == 0 for a in agg.values())


def test_aggregate_merges_consecutive_candles_exactly() -> None:
    t = np.arange(6) * 60_000
    o = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    h, lo, c, v = o + 10, o - 10, o + 0.5, np.ones(6)
    agg = aggregate_ohlcv(t, o, h, lo, c, v, 3)
    assert {k: a.tolist() for k, a in agg.items()} == {
        "t": [0, 120_000, 240_000], "t_end": [60_000, 180_000, 300_000],
        "open": [1.0, 3.0, 5.0], "high": [12.0, 14.0, 16.0], "low": [-9.0, -7.0, -5.0],
        "close": [2.5, 4.5, 6.5], "volume": [2.0, 2.0, 2.0]}


def _brute_minmax(values: np.ndarray, buckets: int) -> list[int]:
    if len(values) <= 2 * buckets + 2:
        return list(range(len(values)))
    edges = bucket_edges(len(values), buckets)
    keep = {0, len(values) - 1}
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        keep |= {a + int(np.argmin(values[a:b])), a + int(np.argmax(values[a:b]))}
    return sorted(keep)


@settings(deadline=None)
@given(st.lists(st.integers(-50, 50), min_size=0, max_size=120), st.integers(1, 12))
def test_minmax_indices_equal_a_bucket_by_bucket_scan(values: list[int], buckets: int) -> None:
    v = np.asarray(values, dtype=float)
    assert minmax_indices(v, buckets).tolist() == _brute_minmax(v, buckets)


def test_minmax_threshold_and_both_bucket_layouts() -> None:
    assert minmax_indices(np.arange(6.0), 2).tolist() == [0, 1, 2, 3, 4, 5]  # 2*2+2: untouched
    even = np.array([5.0, 1, 9, 3, 2, 8, 0, 4])  # 8 values, buckets of 4
    assert minmax_indices(even, 2).tolist() == [0, 1, 2, 5, 6, 7]
    uneven = np.array([0.0, 5, 5, 9, 1, 5, 5])  # 7 values, buckets of 4 and 3
    assert bucket_edges(7, 2).tolist() == [0, 4, 7]
    assert minmax_indices(uneven, 2).tolist() == [0, 3, 4, 5, 6]  # not rows of 3
