"""Trade sources for the replay server: a recorded tape of Binance frames, or a seeded market.

A source yields :class:`TapeTrade` items in exchange-time order; times may be shifted (so a
tape recorded in 2024 plays "now") and the server paces them, in real time or accelerated.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson


@dataclass(frozen=True, slots=True)
class TapeTrade:
    """One trade to replay (exchange time in epoch ms, exchange symbol like ``BTCUSDT``)."""

    ts_ms: int
    symbol: str
    trade_id: int
    price: str
    qty: str
    buyer_maker: bool
    event_ms: int | None = None  # the frame's event time ``E`` as recorded (None: = ts_ms)


def trade_frame(t: TapeTrade, shift_ms: int = 0, combined: bool = True) -> str:
    """Return the Binance ``trade`` frame for ``t`` (combined-stream envelope by default)."""
    ts = t.ts_ms + shift_ms
    event = ts if t.event_ms is None else t.event_ms + shift_ms
    data = (
        f'{{"e":"trade","E":{event},"s":"{t.symbol}","t":{t.trade_id},"p":"{t.price}",'
        f'"q":"{t.qty}","T":{ts},"m":{"true" if t.buyer_maker else "false"},"M":true}}'
    )
    if not combined:
        return data
    return f'{{"stream":"{t.symbol.lower()}@trade","data":{data}}}'


def _open_text(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        yield from f


def read_tape(path: Path) -> list[TapeTrade]:
    """Read the trades of a tape: one frame per line, optionally ``<recv_time> <json>``.

    Lines that are not Binance ``trade`` frames (book tickers, depth, garbage) are ignored;
    trades are ordered by exchange time (then trade id), as Binance produced them.
    """
    out: list[TapeTrade] = []
    for line in _open_text(path):
        line = line.strip()
        if not line:
            continue
        if not line.startswith("{"):
            line = line.partition(" ")[2]
        try:
            msg = orjson.loads(line)
            data = msg.get("data", msg)
            if data.get("e") != "trade":
                continue
            out.append(
                TapeTrade(int(data["T"]), str(data["s"]), int(data["t"]), str(data["p"]),
                          str(data["q"]), bool(data.get("m", False)),
                          int(data["E"]) if "E" in data else None)
            )
        except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
            continue
    out.sort(key=lambda t: (t.ts_ms, t.trade_id))
    return out


class SourceTrades(Iterator[TapeTrade]):
    """An iterator of trades that knows since when its market is fully known (``since_ms``).

    A synthetic market is known from its start; a tape only from its first trade (the
    minute it starts in is partial), which is the server's default for plain iterators.
    """

    def __init__(self, trades: Iterator[TapeTrade], since_ms: int | None) -> None:
        self._trades = trades
        self.since_ms = since_ms

    def __next__(self) -> TapeTrade:
        return next(self._trades)


class SyntheticMarket:
    """A seeded random-walk market: Poisson trade arrivals, log-normal moves, round lots.

    Deterministic for a given seed: the same trades for the same ``start_ms``. Prices start
    at ``start_prices`` (default ``start_price`` divided by 1, 2, 3 … per symbol) and are
    written with ``decimals`` (default 2) per symbol.
    """

    def __init__(
        self,
        symbols: tuple[str, ...] = ("BTCUSDT",),
        *,
        seed: int = 42,
        start_ms: int = 0,
        rate_per_s: float = 20.0,
        start_price: float = 60_000.0,
        silent_every_n_minutes: int = 0,
        start_prices: Mapping[str, float] | None = None,
        decimals: Mapping[str, int] | None = None,
    ) -> None:
        self.symbols = symbols
        self.rate = rate_per_s
        self.start_ms = start_ms
        self.silent_every = silent_every_n_minutes  # >0: every n-th minute has no trade
        self._rng = np.random.default_rng(seed)
        self._price = {s: start_price / (1 + i) for i, s in enumerate(symbols)}
        self._price.update({s: p for s, p in (start_prices or {}).items() if s in symbols})
        self._decimals = {s: (decimals or {}).get(s, 2) for s in symbols}
        self._next_id = {s: 1_000_000 * (i + 1) for i, s in enumerate(symbols)}

    def trades(self) -> SourceTrades:
        """Return the trades, forever, oldest first (the market is known from ``start_ms``)."""
        return SourceTrades(self._generate(), self.start_ms)

    def _generate(self) -> Iterator[TapeTrade]:
        t = float(self.start_ms)
        rng = self._rng
        while True:
            n = 4096
            gaps = rng.exponential(1000.0 / self.rate, n)
            which = rng.integers(0, len(self.symbols), n)
            moves = rng.normal(0.0, 2e-4, n)
            sizes = rng.exponential(0.05, n)
            for i in range(n):
                t += gaps[i]
                ts = int(t)
                if self.silent_every and (ts // 60_000) % self.silent_every == 0:
                    continue
                sym = self.symbols[int(which[i])]
                price = self._price[sym] * math.exp(moves[i])
                self._price[sym] = price
                tid = self._next_id[sym]
                self._next_id[sym] = tid + 1
                qty = max(1e-5, round(float(sizes[i]), 5))
                yield TapeTrade(ts, sym, tid, f"{price:.{self._decimals[sym]}f}", f"{qty:.5f}",
                                bool(moves[i] < 0))
