"""Parse batches of Binance websocket frames (raw or combined-stream) into trade arrays.

Frame parsing is the only per-frame Python work of the heartbeat, so it stays tiny: one
``orjson.loads`` and a few list appends per trade; numbers become numpy arrays once per batch.
Malformed frames, unknown events and invalid trades (NaN, infinite, zero or negative price,
negative quantity, trade time more than ``MAX_TRADE_SKEW_MS`` from its event time, or event time
outside the caller's plausible window) are counted and skipped, never fatal: an absurd timestamp
must never make the aggregator build every minute up to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import orjson

_INF = math.inf
#: a trade stamped further than this from its frame's event time ("E") is invalid
MAX_TRADE_SKEW_MS = 60_000


@dataclass(slots=True)
class TradeArrays:
    """One symbol's trades of a batch, in arrival order (epoch ms, trade ids, prices, sizes)."""

    ts: npt.NDArray[np.int64]
    trade_id: npt.NDArray[np.int64]
    price: npt.NDArray[np.float64]
    qty: npt.NDArray[np.float64]
    event_ms: int  # newest event time ("E") seen for this symbol in the batch


@dataclass(slots=True)
class ParsedBatch:
    """What a batch of frames contained, plus counters of what was skipped."""

    trades: dict[str, TradeArrays] = field(default_factory=dict)  # by exchange symbol
    frames: int = 0
    malformed: int = 0
    unknown: int = 0
    invalid: int = 0
    shutdown: bool = False
    errors: list[str] = field(default_factory=list)  # raw "code: msg" (for the log)
    error_codes: list[object] = field(default_factory=list)  # the same errors' codes
    last_event_ms: int | None = None


class _Cols:
    __slots__ = ("ts", "ids", "px", "qty", "event")

    def __init__(self) -> None:
        self.ts: list[int] = []
        self.ids: list[int] = []
        self.px: list[float] = []
        self.qty: list[float] = []
        self.event = 0


def parse_frames(
    frames: list[str] | list[bytes] | list[str | bytes],
    event_window: tuple[int, int] | None = None,
) -> ParsedBatch:
    """Parse websocket text frames; return trades per symbol and skip counters.

    ``event_window`` (inclusive epoch ms), when given, is where a plausible event time lies;
    trades outside it are counted as invalid.
    """
    out = ParsedBatch(frames=len(frames))
    lo_e, hi_e = event_window if event_window is not None else (-_INF, _INF)
    cols: dict[str, _Cols] = {}
    loads = orjson.loads
    for raw in frames:
        try:
            msg = loads(raw)
            data = msg.get("data", msg) if "stream" in msg else msg
            kind = data.get("e")
            if kind == "trade":
                sym = data["s"]
                price = float(data["p"])
                qty = float(data["q"])
                ts = int(data["T"])
                tid = int(data["t"])
                event = int(data.get("E", ts))
            elif kind == "serverShutdown":
                out.shutdown = True
                continue
            elif "error" in data or ("code" in data and "msg" in data):
                err = data.get("error", data)
                out.errors.append(f"{err.get('code')}: {err.get('msg')}")
                out.error_codes.append(err.get("code"))
                continue
            elif "result" in data and "id" in data:
                continue  # answer to a SUBSCRIBE/LIST request
            else:
                out.unknown += 1
                continue
        except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
            out.malformed += 1
            continue
        if (not (0.0 < price < _INF) or not (0.0 <= qty < _INF)
                or abs(ts - event) > MAX_TRADE_SKEW_MS or not (lo_e <= event <= hi_e)):
            out.invalid += 1
            continue
        c = cols.get(sym)
        if c is None:
            c = cols[sym] = _Cols()
        c.ts.append(ts)
        c.ids.append(tid)
        c.px.append(price)
        c.qty.append(qty)
        if event > c.event:
            c.event = event
    for sym, c in cols.items():
        out.trades[sym] = TradeArrays(
            np.array(c.ts, dtype=np.int64),
            np.array(c.ids, dtype=np.int64),
            np.array(c.px, dtype=np.float64),
            np.array(c.qty, dtype=np.float64),
            c.event,
        )
        if out.last_event_ms is None or c.event > out.last_event_ms:
            out.last_event_ms = c.event
    return out


def stream_names(symbols: tuple[str, ...] | list[str]) -> list[str]:
    """Return the trade stream names for exchange symbols (``BTCUSDT`` → ``btcusdt@trade``)."""
    return [f"{s.lower()}@trade" for s in symbols]


def combined_url(base_url: str, symbols: tuple[str, ...] | list[str]) -> str:
    """Return the combined-stream URL for the symbols' trade streams."""
    return f"{base_url.rstrip('/')}/stream?streams={'/'.join(stream_names(symbols))}"


def ccxt_symbol(exchange_symbol: str) -> str:
    """Map a Binance symbol to ccxt form (``BTCUSDT`` → ``BTC/USDT``) for common quotes."""
    for quote in ("USDT", "USDC", "FDUSD", "BUSD", "TUSD", "BTC", "ETH", "BNB", "EUR", "TRY"):
        if exchange_symbol.endswith(quote) and len(exchange_symbol) > len(quote):
            return f"{exchange_symbol[: -len(quote)]}/{quote}"
    return exchange_symbol
