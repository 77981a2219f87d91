"""Pure trade-id continuity check: duplicates (overlapping reconnects) and gaps (lost trades)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class IdGap:
    """Trade ids ``first..last`` (inclusive) of ``symbol`` never arrived."""

    symbol: str
    first: int
    last: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1


class TradeIdTracker:
    """Follow each symbol's trade ids (Binance numbers them without holes, per symbol)."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}
        self.duplicates = 0
        self.missing = 0

    def check(
        self, symbol: str, ids: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.bool_] | None, list[IdGap]]:
        """Return (mask of trades to keep or None when all are new, gaps found)."""
        if len(ids) == 0:
            return None, []
        last = self._last.get(symbol)
        run = np.maximum.accumulate(ids)
        prev = np.empty_like(ids)
        prev[0] = ids[0] - 1 if last is None else last
        prev[1:] = run[:-1]
        if last is not None:
            np.maximum(prev, last, out=prev)
        fresh = ids > prev
        jumps = np.flatnonzero(fresh & (ids - prev > 1))
        gaps = [IdGap(symbol, int(prev[i]) + 1, int(ids[i]) - 1) for i in jumps]
        self.missing += sum(g.count for g in gaps)
        newest = int(run[-1])
        self._last[symbol] = newest if last is None else max(last, newest)
        n_fresh = int(np.count_nonzero(fresh))
        if n_fresh == len(ids):
            return None, gaps
        self.duplicates += len(ids) - n_fresh
        return fresh, gaps
