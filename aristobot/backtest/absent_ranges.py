"""Candle ranges an exchange does not have, remembered so they are not asked for again.

Before a pair's listing, during a maintenance, or after a delisting, ``fetch_ohlcv`` has
nothing: without a memory every backtest over such a range would request it again (and show
it as missing). This is an in-process memory (no schema change, emptied at restart — the
first backtest after a restart asks once more), shared by every user of the process, keyed by
(exchange, symbol, timeframe) with the half-open ``[a, b)`` open-time ranges (epoch ms) found
absent. What gets remembered (see ``CandleLoader``):

- a hole the exchange skipped while returning later candles (before listing, maintenance):
  those candles will never appear;
- a range with nothing at all up to its end (delisted, or a symbol without history), only
  when its end is older than ``RECENT_MS``: the newest candles may simply not be served yet.

Memory is bounded: at most ``max_keys`` keys (least recently used dropped) and adjacent ranges
are merged.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict

Key = tuple[str, str, str]  # exchange id, symbol, timeframe
Range = tuple[int, int]

#: A range ending less than this long ago (ms) is not remembered as absent when empty.
RECENT_MS = 3_600_000


class AbsentRanges:
    """Per key, the sorted, disjoint, merged ranges known to be absent on the exchange."""

    def __init__(self, max_keys: int = 2_000) -> None:
        self._ranges: OrderedDict[Key, list[Range]] = OrderedDict()
        self._max_keys = max_keys

    def add(self, key: Key, a: int, b: int) -> None:
        """Remember that the exchange has no candle with an open time in ``[a, b)``."""
        if b <= a:
            return
        merged: list[Range] = []
        for lo, hi in self._ranges.get(key, []):
            if hi < a or lo > b:  # disjoint and not touching
                merged.append((lo, hi))
            else:
                a, b = min(a, lo), max(b, hi)
        merged.append((a, b))
        merged.sort()
        self._ranges[key] = merged
        self._ranges.move_to_end(key)
        while len(self._ranges) > self._max_keys:
            self._ranges.popitem(last=False)

    def ranges(self, key: Key) -> list[Range]:
        return list(self._ranges.get(key, []))

    def subtract(self, key: Key, gaps: list[Range]) -> list[Range]:
        """Return ``gaps`` without the parts known to be absent (what is worth fetching)."""
        known = self._ranges.get(key)
        if not known:
            return list(gaps)
        self._ranges.move_to_end(key)
        starts = [lo for lo, _ in known]
        out: list[Range] = []
        for a, b in gaps:
            i = max(0, bisect_right(starts, a) - 1)
            cur = a
            while cur < b and i < len(known):
                lo, hi = known[i]
                if hi <= cur:
                    i += 1
                    continue
                if lo >= b:
                    break
                if lo > cur:
                    out.append((cur, lo))
                cur = max(cur, hi)
                i += 1
            if cur < b:
                out.append((cur, b))
        return out
