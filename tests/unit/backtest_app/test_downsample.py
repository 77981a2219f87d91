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
