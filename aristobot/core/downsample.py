"""Display-only downsampling: fewer glyphs on screen, every extreme kept (pure numpy).

Only what is *drawn* is reduced; simulations always run on every candle.
"""

from __future__ import annotations

import numpy as np


def bucket_edges(n: int, max_buckets: int) -> np.ndarray:
    """Return ``k + 1`` increasing edges splitting ``range(n)`` into ``k <= max_buckets`` runs."""
    if n <= 0:
        return np.zeros(1, np.int64)
    k = max(1, min(n, max_buckets))
    return np.unique(np.linspace(0, n, k + 1).round().astype(np.int64))


def aggregate_ohlcv(
    t: np.ndarray,
    o: np.ndarray,
    h: np.ndarray,
    lo: np.ndarray,
    c: np.ndarray,
    v: np.ndarray,
    max_bars: int,
) -> dict[str, np.ndarray]:
    """Merge consecutive candles into at most ``max_bars`` candles (like a larger timeframe).

    Open of the first, close of the last, highest high, lowest low, summed volume: the wicks
    of the merged candles still reach every extreme of the originals. ``t`` is epoch ms; the
    result also has ``t_end`` (open time of the last original candle of each bucket).
    """
    n = len(t)
    if n == 0:
        empty = np.empty(0)
        return {k: empty for k in ("t", "t_end", "open", "high", "low", "close", "volume")}
    edges = bucket_edges(n, max_bars)
    starts, last = edges[:-1], edges[1:] - 1
    return {
        "t": t[starts],
        "t_end": t[last],
        "open": o[starts],
        "high": np.maximum.reduceat(h, starts),
        "low": np.minimum.reduceat(lo, starts),
        "close": c[last],
        "volume": np.add.reduceat(v, starts),
    }


def minmax_indices(values: np.ndarray, buckets: int) -> np.ndarray:
    """Return sorted indices: first, last, and the min and max of each of ``buckets`` runs."""
    n = len(values)
    if n <= 2 * buckets + 2:
        return np.arange(n)
    edges = bucket_edges(n, buckets)
    starts = edges[:-1]
    lo = np.empty(len(starts), np.int64)
    hi = np.empty(len(starts), np.int64)
    # Equal-length buckets except the last few: reshape the common part for vectorised argmin.
    size = int(np.min(np.diff(edges)))
    common = values[: size * len(starts)] if np.all(np.diff(edges) == size) else None
    if common is not None:
        block = common.reshape(len(starts), size)
        lo[:] = starts + np.argmin(block, axis=1)
        hi[:] = starts + np.argmax(block, axis=1)
    else:
        for i, (a, b) in enumerate(zip(starts, edges[1:], strict=True)):
            seg = values[a:b]
            lo[i] = a + int(np.argmin(seg))
            hi[i] = a + int(np.argmax(seg))
    return np.unique(np.concatenate(([0, n - 1], lo, hi)))
