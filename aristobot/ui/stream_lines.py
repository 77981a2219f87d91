"""Raw Binance stream frames told readably: time, symbol, price, quantity, side.

The Heartbeat page shows the newest frames of the raw stream. A trade frame (raw or
combined-stream) becomes one :class:`StreamLine`; anything else (a subscription answer, an error,
a malformed frame) keeps a short excerpt so that it is still visible.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import NamedTuple

import orjson

from aristobot.core.timefmt import to_display
from aristobot.ui import page_messages as lbl
from aristobot.ui.messages import WAITING_FOR_STREAM
from aristobot.ui.numbers import EMPTY, PrecisionBook

EXCERPT_CHARS = 120
BUY, SELL = "Achat", "Vente"


class StreamLine(NamedTuple):
    """One frame as shown; ``other`` is set (and the rest empty) for a non-trade frame."""

    time: str = ""
    symbol: str = ""
    price: str = ""
    quantity: str = ""
    side: str = ""
    other: str = ""


def _symbol(raw: str) -> str:
    for quote in ("USDT", "USDC", "FDUSD", "BUSD", "BTC", "ETH", "BNB", "EUR"):
        if raw.endswith(quote) and len(raw) > len(quote):
            return f"{raw[:-len(quote)]}/{quote}"
    return raw


def parse_line(frame: str | bytes, timezone: str, book: PrecisionBook | None = None
               ) -> StreamLine:
    """Turn one raw frame into a :class:`StreamLine` (times in ``timezone``; price and quantity
    in the French format, to the precision of the symbol's market in ``book``)."""
    try:
        msg = orjson.loads(frame)
        data = msg.get("data", msg) if isinstance(msg, dict) and "stream" in msg else msg
        if isinstance(data, dict) and data.get("e") in ("trade", "aggTrade"):
            when = datetime.fromtimestamp(int(data.get("T") or data["E"]) / 1000, UTC)
            local = to_display(when, timezone)
            symbol = _symbol(str(data["s"]))
            precision = (book or PrecisionBook()).of(symbol)
            price, quantity = precision.price(data["p"]), precision.quantity(data["q"], column=True)
            if EMPTY in (price, quantity):
                raise ValueError("not a number")
            return StreamLine(
                time=local.strftime("%H:%M:%S.") + f"{local.microsecond // 1000:03d}",
                symbol=symbol, price=price, quantity=quantity,
                # "m": the buyer is the maker, so the taker (who moved the price) sold
                side=SELL if data.get("m") else BUY)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, OverflowError):
        pass
    text = frame if isinstance(frame, str) else bytes(frame).decode("utf-8", "replace")
    return StreamLine(other=text[:EXCERPT_CHARS])


def stream_html(lines: list[StreamLine]) -> str:
    """Return the « Flux en temps réel » list (newest first), one row per frame."""
    rows = []
    for ln in lines:
        if ln.other:
            rows.append(f"<div class='hb-frame hb-other ab-muted'>{html.escape(ln.other)}</div>")
            continue
        side = "hb-buy ab-ok" if ln.side == BUY else "hb-sell ab-danger"
        rows.append(
            "<div class='hb-frame hb-trade'>"
            f"<span class='hb-time ab-muted'>{html.escape(ln.time)}</span>"
            f"<span class='hb-symbol'>{html.escape(ln.symbol)}</span>"
            f"<span class='hb-price'>{html.escape(ln.price)}</span>"
            f"<span class='hb-qty'>{html.escape(ln.quantity)}</span>"
            f"<span class='hb-side {side}'>{html.escape(ln.side)}</span></div>")
    head = lbl.STREAM_HEAD
    body = "".join(rows) or f"<i>{WAITING_FOR_STREAM}</i>"
    return f"<div id='hb-stream' class='hb-stream'>{head if rows else ''}{body}</div>"
