"""The offline Binance's public REST API, answered from the replayed trades and seeded history.

Served (``GET`` only, Binance's shapes and error bodies): ``/api/v3/ping``, ``/api/v3/time``,
``/api/v3/exchangeInfo``, ``/api/v3/klines`` (and ``/api/v3/uiKlines``),
``/api/v3/ticker/price``, ``/api/v3/ticker/24hr``, ``/api/v3/ticker/bookTicker``,
``/api/v3/avgPrice``. Anything else answers a Binance error body saying what is served.

Klines follow Binance: ``startTime`` → the first klines opening at or after it, ``endTime``
→ klines opening at or before it, otherwise the latest ``limit`` (default 500, max 1000).
A kline is served only once fully observed: the still-open one and a tape's first, partial
minute are never served.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import orjson

from aristobot.replay import messages
from aristobot.replay.history import (
    HISTORY_START_MS,
    MINUTE_MS,
    MinuteRows,
    SyntheticHistory,
    aggregate,
    rows_from_trades,
)
from aristobot.replay.symbols import MarketSpec, exchange_info
from aristobot.replay.trade_log import TradeLog

INTERVALS_MS = {
    "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
    "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000,
    "8h": 28_800_000, "12h": 43_200_000, "1d": 86_400_000,
}
_COARSE_MS = 900_000  # klines of 6h and more are built from 15m rows of the history
DAY_MS = 86_400_000

Answer = tuple[HTTPStatus, Any]


class BinanceError(Exception):
    """An error answered with Binance's body ``{"code": …, "msg": …}``."""

    def __init__(self, code: int, msg: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status


def _floor(ts: int, step: int) -> int:
    return ts - ts % step


def _ceil(ts: int, step: int) -> int:
    return -(-ts // step) * step


def _int(q: Mapping[str, str], key: str, default: int | None = None) -> int | None:
    raw = q.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise BinanceError(-1100, f"Illegal characters found in parameter '{key}'; legal "
                                  "range is '^[0-9]{1,20}$'.") from None


class OfflineExchange:
    """Answer public REST requests for ``specs`` (live symbols have a :class:`TradeLog`)."""

    def __init__(
        self,
        specs: Mapping[str, MarketSpec],
        logs: Mapping[str, TradeLog],
        histories: Mapping[str, SyntheticHistory],
        now_ms: Callable[[], int],
        before: Callable[[], None] | None = None,
    ) -> None:
        self._before = before  # brings the logs up to date (the server queues trades)
        self.specs = specs
        self.logs = logs
        self.histories = histories
        self.now_ms = now_ms

    def answer(self, path: str, query: Mapping[str, str]) -> Answer:
        """Return (HTTP status, JSON body) for ``GET path?query``."""
        if self._before is not None:
            self._before()
        route = _ROUTES.get(path)
        try:
            if route is None:
                raise BinanceError(-1000, _unknown(path), HTTPStatus.NOT_FOUND)
            return HTTPStatus.OK, route(self, query)
        except BinanceError as e:
            return e.status, {"code": e.code, "msg": e.msg}

    # --- data ------------------------------------------------------------------------------
    def _spec(self, symbol: str | None) -> MarketSpec:
        spec = self.specs.get((symbol or "").upper())
        if spec is None:
            raise BinanceError(-1121, "Invalid symbol.")
        return spec

    def _selected(self, q: Mapping[str, str]) -> MarketSpec | list[MarketSpec]:
        if "symbol" in q:
            return self._spec(q["symbol"])
        if "symbols" in q:
            try:
                names = orjson.loads(q["symbols"])
            except orjson.JSONDecodeError:
                names = None
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise BinanceError(-1100, "Illegal characters found in parameter 'symbols'; "
                                          "legal range is '^\\[(\"[A-Z0-9-_.]{1,20}\"(,)?)+\\]$'.")
            return [self._spec(n) for n in names]
        return list(self.specs.values())

    def earliest_ms(self, symbol: str) -> int | None:
        """Return the open time of the first minute the exchange can serve, if any."""
        if symbol in self.histories:
            return HISTORY_START_MS
        log = self.logs.get(symbol)
        return None if log is None else _ceil(log.since_ms, MINUTE_MS)

    def rows(self, symbol: str, first: int, end: int, base: int = MINUTE_MS) -> MinuteRows:
        """Return the complete ``base`` rows of ``[first, end)`` (both multiples of ``base``)."""
        end = min(end, _floor(self.now_ms(), MINUTE_MS))
        hist, log = self.histories.get(symbol), self.logs.get(symbol)
        h_end = end if log is None else min(end, _floor(log.since_ms, MINUTE_MS))
        coarse, fine = [], []
        if hist is not None:
            lo = max(first, _ceil(HISTORY_START_MS, base))
            c_end = max(lo, _floor(h_end, base))
            if c_end > lo:
                coarse.append(hist.rows(lo, (c_end - lo) // base, base))
            if h_end > c_end:
                fine.append(hist.rows(c_end, (h_end - c_end) // MINUTE_MS))
        if log is not None:
            l0 = max(first, _ceil(log.since_ms, MINUTE_MS))
            if end > l0:
                fine.append(self._live_rows(symbol, log, l0, end))
        rows = MinuteRows.concat(fine)
        if base > MINUTE_MS:
            rows = aggregate(rows, base)
        return MinuteRows.concat([*coarse, rows])

    def _live_rows(self, symbol: str, log: TradeLog, first: int, end: int) -> MinuteRows:
        carry = log.price_before(first)
        if carry is None:
            hist = self.histories.get(symbol)
            carry = hist.price_at(first) if hist is not None else (log.last_price or 0.0)
        return rows_from_trades(*log.columns(first, end), first, end, carry)

    def last_price(self, spec: MarketSpec) -> float:
        log = self.logs.get(spec.symbol)
        if log is not None and log.last_price is not None:
            return log.last_price
        hist = self.histories.get(spec.symbol)
        return hist.price_at(self.now_ms()) if hist is not None else spec.price

    # --- endpoints -------------------------------------------------------------------------
    def ping(self, q: Mapping[str, str]) -> Any:
        return {}

    def time(self, q: Mapping[str, str]) -> Any:
        return {"serverTime": self.now_ms()}

    def exchange_info(self, q: Mapping[str, str]) -> Any:
        sel = self._selected(q)
        return exchange_info(sel if isinstance(sel, list) else [sel], self.now_ms())

    def klines(self, q: Mapping[str, str]) -> Any:
        spec = self._spec(q.get("symbol"))
        step = INTERVALS_MS.get(q.get("interval", ""))
        if step is None:
            raise BinanceError(-1120, "Invalid interval.")
        limit = _int(q, "limit", 500) or 0
        if limit < 1:
            raise BinanceError(-1100, "Illegal characters found in parameter 'limit'; legal "
                                      "range is '1-1000'.")
        limit = min(limit, 1000)
        start, end = _int(q, "startTime"), _int(q, "endTime")
        last = _floor(self.now_ms(), step) - step  # the last closed kline
        if end is not None:
            last = min(last, _floor(end, step))
        earliest = self.earliest_ms(spec.symbol)
        if earliest is None:
            return []
        if start is not None:
            first = max(_ceil(start, step), _ceil(earliest, step))
            last = min(last, first + (limit - 1) * step)
        else:
            first = max(last - (limit - 1) * step, _ceil(earliest, step))
        if last < first:
            return []
        base = _COARSE_MS if step >= 21_600_000 else MINUTE_MS
        k = aggregate(self.rows(spec.symbol, first, last + step, base), step, base)
        return [
            [int(t), f"{o:.8f}", f"{h:.8f}", f"{lo:.8f}", f"{c:.8f}", f"{v:.8f}",
             int(t) + step - 1, f"{qv:.8f}", int(n), f"{tb:.8f}",
             f"{tb * (qv / v if v else 0):.8f}", "0"]
            for t, o, h, lo, c, v, qv, n, tb in zip(
                k.t.tolist(), k.o.tolist(), k.h.tolist(), k.lo.tolist(), k.c.tolist(),
                k.v.tolist(), k.qv.tolist(), k.n.tolist(), k.tb.tolist(), strict=True)
        ]

    def ticker_price(self, q: Mapping[str, str]) -> Any:
        sel = self._selected(q)
        out = [{"symbol": s.symbol, "price": f"{self.last_price(s):.8f}"}
               for s in (sel if isinstance(sel, list) else [sel])]
        return out if isinstance(sel, list) else out[0]

    def book_ticker(self, q: Mapping[str, str]) -> Any:
        sel = self._selected(q)
        out = [self._book(s) for s in (sel if isinstance(sel, list) else [sel])]
        return out if isinstance(sel, list) else out[0]

    def _book(self, s: MarketSpec) -> dict[str, Any]:
        last = self.last_price(s)
        return {"symbol": s.symbol, "bidPrice": f"{last:.8f}", "bidQty": f"{s.step * 100:.8f}",
                "askPrice": f"{last + s.tick:.8f}", "askQty": f"{s.step * 100:.8f}"}

    def avg_price(self, q: Mapping[str, str]) -> Any:
        spec = self._spec(q.get("symbol"))
        return {"mins": 5, "price": f"{self.last_price(spec):.8f}",
                "closeTime": self.now_ms()}

    def ticker_24hr(self, q: Mapping[str, str]) -> Any:
        sel = self._selected(q)
        out = [self._day(s) for s in (sel if isinstance(sel, list) else [sel])]
        return out if isinstance(sel, list) else out[0]

    def _day(self, s: MarketSpec) -> dict[str, Any]:
        now = self.now_ms()
        end = _floor(now, MINUTE_MS)
        r = self.rows(s.symbol, end - DAY_MS, end)
        last = self.last_price(s)
        opn = float(r.o[0]) if len(r) else last
        hi = max(float(r.h.max()) if len(r) else last, last)
        lo = min(float(r.lo.min()) if len(r) else last, last)
        vol, qv = float(r.v.sum()), float(r.qv.sum())
        count = int(r.n.sum())
        change = last - opn
        return {
            "symbol": s.symbol, "priceChange": f"{change:.8f}",
            "priceChangePercent": f"{100 * change / opn if opn else 0:.3f}",
            "weightedAvgPrice": f"{qv / vol if vol else last:.8f}",
            "prevClosePrice": f"{opn:.8f}", "lastPrice": f"{last:.8f}",
            "lastQty": f"{s.step:.8f}", **{k: v for k, v in self._book(s).items()
                                            if k != "symbol"},
            "openPrice": f"{opn:.8f}", "highPrice": f"{hi:.8f}", "lowPrice": f"{lo:.8f}",
            "volume": f"{vol:.8f}", "quoteVolume": f"{qv:.8f}",
            "openTime": now - DAY_MS, "closeTime": now, "firstId": 1, "lastId": max(1, count),
            "count": count,
        }


def _unknown(path: str) -> str:
    served = "ping, time, exchangeInfo, klines, ticker/price, ticker/24hr, ticker/bookTicker"
    return messages.not_served(path, served)


_ROUTES: dict[str, Callable[[OfflineExchange, Mapping[str, str]], Any]] = {
    "/api/v3/ping": OfflineExchange.ping,
    "/api/v3/time": OfflineExchange.time,
    "/api/v3/exchangeInfo": OfflineExchange.exchange_info,
    "/api/v3/klines": OfflineExchange.klines,
    "/api/v3/uiKlines": OfflineExchange.klines,
    "/api/v3/ticker/price": OfflineExchange.ticker_price,
    "/api/v3/ticker/24hr": OfflineExchange.ticker_24hr,
    "/api/v3/ticker/bookTicker": OfflineExchange.book_ticker,
    "/api/v3/avgPrice": OfflineExchange.avg_price,
}

