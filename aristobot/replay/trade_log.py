"""What the offline exchange knows of a symbol's trades: an append-only, compact log."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np


@dataclass
class TradeLog:
    """Every trade of one symbol since ``since_ms`` (the instant the market is known from).

    Columns are ``array.array`` (compact, cheap appends); :meth:`columns` copies a time
    range out as numpy arrays, so no view pins the buffers while trades keep coming.
    """

    since_ms: int
    ts: array[int] = field(default_factory=lambda: array("q"))
    price: array[float] = field(default_factory=lambda: array("d"))
    qty: array[float] = field(default_factory=lambda: array("d"))
    taker_buy: array[int] = field(default_factory=lambda: array("b"))

    def append(self, ts_ms: int, price: float, qty: float, buyer_maker: bool) -> None:
        self.ts.append(ts_ms)
        self.price.append(price)
        self.qty.append(qty)
        self.taker_buy.append(0 if buyer_maker else 1)

    def extend(self, ts: list[int], price: list[float], qty: list[float],
               taker_buy: list[int]) -> None:
        self.ts.extend(ts)
        self.price.extend(price)
        self.qty.extend(qty)
        self.taker_buy.extend(taker_buy)

    def __len__(self) -> int:
        return len(self.ts)

    @property
    def last_price(self) -> float | None:
        return self.price[-1] if self.price else None

    def columns(
        self, start_ms: int, end_ms: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return copies of (ts, price, qty, taker_buy) for trades in ``[start_ms, end_ms)``."""
        ts = np.frombuffer(self.ts, dtype=np.int64) if len(self.ts) else np.empty(0, np.int64)
        lo, hi = (int(i) for i in np.searchsorted(ts, [start_ms, end_ms]))
        out_ts = ts[lo:hi].copy()
        del ts  # release the buffer export: the log may grow again
        return (
            out_ts,
            np.array(self.price[lo:hi], dtype=np.float64),
            np.array(self.qty[lo:hi], dtype=np.float64),
            np.array(self.taker_buy[lo:hi], dtype=bool),
        )

    def price_before(self, ts_ms: int) -> float | None:
        """Return the last traded price strictly before ``ts_ms`` (None if none)."""
        ts = np.frombuffer(self.ts, dtype=np.int64) if len(self.ts) else np.empty(0, np.int64)
        i = int(np.searchsorted(ts, ts_ms))
        del ts
        return self.price[i - 1] if i > 0 else None
