"""A local fake of Binance spot REST, enough for the unmodified ``ccxt.async_support.binance``.

Point ccxt at it by rewriting ``exchange.urls['api']`` origins to :attr:`FakeBinance.url` (the
app does this through ``ARISTOBOT_EXCHANGE_URL_OVERRIDES=binance=<url>``). It serves:

- ``GET /api/v3/exchangeInfo``, ``/api/v3/time``, ``/api/v3/ping``;
- ``GET /api/v3/klines`` with Binance's ``startTime``/``endTime``/``limit`` semantics over a
  deterministic generated series (or candles a test sets);
- ``GET /api/v3/ticker/price``, ``/api/v3/ticker/24hr``, ``/api/v3/ticker/bookTicker``;
- signed ``GET /api/v3/account``, ``POST/GET/DELETE /api/v3/order``, ``GET /api/v3/openOrders``
  (API key and HMAC-SHA256 signature checked against the configured accounts);
- Binance's error bodies (``{"code": -NNNN, "msg": ...}``) for bad keys, bad signatures,
  filter failures, insufficient balance, unknown orders and symbols;
- failures on demand (:meth:`FakeBinance.fail`): HTTP 429/418/500/503, dropped connections,
  « ambiguous » ones (the order is executed, then the connection is dropped) and « notfound »
  (``-2013 Order does not exist.``, an order not visible yet);
- requests held until the test releases them (:meth:`FakeBinance.hold`).

Everything is generated here; nothing is copied from recorded data. Run it in the test's
event loop (``await fake.start()``) or in its own thread (:class:`ThreadedFakeBinance`), or
as ``python -m tests.support.fake_binance --port 8123`` for manual use.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

INTERVAL_MS = {
    "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
    "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000, "8h": 28_800_000,
    "12h": 43_200_000, "1d": 86_400_000, "3d": 259_200_000, "1w": 604_800_000,
}
SERIES_START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z: first generated candle
PARAMS = web.RequestKey("params", dict)
RAW_BODY = web.RequestKey("raw_body", str)


def _s(v: Decimal) -> str:
    return format(v.quantize(Decimal("0.00000001")), "f")


@dataclass
class SymbolSpec:
    base: str
    quote: str
    price: Decimal  # last price (also the centre of generated candles)
    tick: Decimal = Decimal("0.01")
    step: Decimal = Decimal("0.00001")
    min_qty: Decimal = Decimal("0.00001")
    max_qty: Decimal = Decimal("9000")
    min_notional: Decimal = Decimal("5")
    status: str = "TRADING"

    @property
    def name(self) -> str:
        return self.base + self.quote


@dataclass
class Account:
    secret: str
    balances: dict[str, Decimal] = field(default_factory=dict)
    locked: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class Failure:
    path: str  # prefix of the request path, e.g. "/api/v3/order"
    kind: str  # "429" | "418" | "500" | "503" | "disconnect" | "ambiguous" | "notfound"
    method: str | None = None
    remaining: int = 1


@dataclass
class Hold:
    """Requests under ``path`` wait until :attr:`release` is set (a slow exchange on demand).

    ``arrived`` is set when the first such request comes in, ``done`` when one was answered
    (an « executed » order exists from then on), so tests wait on events, never on time.
    """

    path: str
    method: str | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)


class BinanceError(Exception):
    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(msg)
        self.status, self.code, self.msg = status, code, msg


def default_symbols(extra: int = 0) -> dict[str, SymbolSpec]:
    """BTC/ETH/BNB against USDT, plus ``extra`` synthetic pairs (pagination, progress)."""
    specs = [
        SymbolSpec("BTC", "USDT", Decimal("50000")),
        SymbolSpec("ETH", "USDT", Decimal("2500"), step=Decimal("0.0001"),
                   min_qty=Decimal("0.0001")),
        SymbolSpec("BNB", "USDT", Decimal("300"), step=Decimal("0.001"), min_qty=Decimal("0.001")),
        SymbolSpec("ETH", "BTC", Decimal("0.05"), tick=Decimal("0.00001"),
                   step=Decimal("0.0001"), min_qty=Decimal("0.0001"),
                   min_notional=Decimal("0.0001")),
    ]
    for i in range(extra):
        name = "T" + "".join(chr(65 + (i // 26 ** k) % 26) for k in (2, 1, 0))
        specs.append(SymbolSpec(name, "USDT", Decimal(1 + i % 50), tick=Decimal("0.0001"),
                                step=Decimal("0.1"), min_qty=Decimal("0.1")))
    return {s.name: s for s in specs}


class FakeBinance:
    """The fake server and its state (inspect and change it from tests)."""

    def __init__(self, symbols: dict[str, SymbolSpec] | None = None, *, extra_symbols: int = 0,
                 now_ms: Callable[[], int] | None = None) -> None:
        self.symbols = symbols or default_symbols(extra_symbols)
        self.accounts: dict[str, Account] = {}
        self.orders: list[dict[str, Any]] = []
        self.failures: list[Failure] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.klines: dict[tuple[str, str], list[list[Any]]] = {}
        self.holds: list[Hold] = []
        self.now_ms = now_ms or (lambda: int(time.time() * 1000))
        self.latency_s = 0.0  # added to every request
        self._ids = itertools.count(1000)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- control ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_account(self, api_key: str, secret: str, **balances: str | Decimal) -> Account:
        acc = Account(secret, {k: Decimal(str(v)) for k, v in balances.items()})
        self.accounts[api_key] = acc
        return acc

    def fail(self, path: str, kind: str, times: int = 1, method: str | None = None) -> None:
        """Make the next ``times`` requests under ``path`` fail the ``kind`` way."""
        self.failures.append(Failure(path, kind, method, times))

    def hold(self, path: str, method: str | None = None) -> Hold:
        """Hold requests under ``path`` until ``hold.release`` is set (see :class:`Hold`)."""
        h = Hold(path, method)
        self.holds.append(h)
        return h

    def set_price(self, symbol: str, price: str | Decimal) -> None:
        self.symbols[symbol].price = Decimal(str(price))
        self._match_open_orders(symbol)

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p, _ in self.requests if m == method and p == path)

    # --- lifecycle --------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        r = app.router
        r.add_get("/api/v3/ping", self._ping)
        r.add_get("/api/v3/time", self._time)
        r.add_get("/api/v3/exchangeInfo", self._exchange_info)
        r.add_get("/api/v3/klines", self._klines)
        r.add_get("/api/v3/ticker/price", self._ticker_price)
        r.add_get("/api/v3/ticker/24hr", self._ticker_24hr)
        r.add_get("/api/v3/ticker/bookTicker", self._book_ticker)
        r.add_get("/api/v3/account", self._account)
        r.add_post("/api/v3/order", self._new_order)
        r.add_get("/api/v3/order", self._get_order)
        r.add_delete("/api/v3/order", self._cancel_order)
        r.add_get("/api/v3/openOrders", self._open_orders)
        return app

    async def start(self, port: int = 0) -> FakeBinance:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- plumbing ---------------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        params = dict(request.query)
        if request.method in ("POST", "PUT") and request.can_read_body:
            raw = await request.text()
            params.update(dict(parse_qsl(raw, keep_blank_values=True)))
            request[RAW_BODY] = raw
        request[PARAMS] = params
        self.requests.append((request.method, request.path, params))
        hold = next((h for h in self.holds if request.path.startswith(h.path)
                     and h.method in (None, request.method)), None)
        if hold is not None:  # a slow exchange, e.g. to watch progress in a UI
            hold.arrived.set()
            await hold.release.wait()
            if hold in self.holds:  # one hold, one release: later requests pass
                self.holds.remove(hold)
        try:
            return await self._answer(request, handler)
        finally:
            if hold is not None:
                hold.done.set()

    async def _answer(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.latency_s:  # a distant exchange (benchmarks)
            await asyncio.sleep(self.latency_s)
        failure = self._take_failure(request)
        if failure is not None and failure.kind != "ambiguous":
            return await self._failed(request, failure.kind)
        try:
            response: web.StreamResponse = await handler(request)
        except BinanceError as e:
            return web.json_response({"code": e.code, "msg": e.msg}, status=e.status)
        if failure is not None:  # ambiguous: done, but the client never hears about it
            return await self._failed(request, "disconnect")
        return response

    def _take_failure(self, request: web.Request) -> Failure | None:
        for f in self.failures:
            if request.path.startswith(f.path) and f.method in (None, request.method):
                f.remaining -= 1
                if f.remaining <= 0:
                    self.failures.remove(f)
                return f
        return None

    async def _failed(self, request: web.Request, kind: str) -> web.StreamResponse:
        if kind == "429":
            return web.json_response({"code": -1003, "msg": "Too many requests; current limit "
                                      "of IP is 6000 requests per minute."}, status=429,
                                     headers={"Retry-After": "1"})
        if kind == "418":
            return web.json_response({"code": -1003, "msg": "Way too many requests; IP banned "
                                      "until 1700000000000."}, status=418)
        if kind in ("500", "503"):
            return web.Response(status=int(kind), text="Service Unavailable")
        if kind == "notfound":
            return web.json_response({"code": -2013, "msg": "Order does not exist."}, status=400)
        # "disconnect": close the socket without any HTTP answer.
        transport = request.transport
        if transport is not None:
            transport.close()
        raise asyncio.CancelledError()

    def _signed(self, request: web.Request) -> Account:
        key = request.headers.get("X-MBX-APIKEY", "")
        if not key:
            raise BinanceError(401, -2014, "API-key format invalid.")
        acc = self.accounts.get(key)
        if acc is None:
            raise BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        raw = request.get(RAW_BODY) or request.query_string
        payload, _, signature = raw.rpartition("&signature=")
        expected = hmac.new(acc.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise BinanceError(400, -1022, "Signature for this request is not valid.")
        return acc

    def _symbol(self, name: str | None) -> SymbolSpec:
        spec = self.symbols.get(name or "")
        if spec is None:
            raise BinanceError(400, -1121, "Invalid symbol.")
        return spec

    # --- public endpoints -------------------------------------------------------------------
    async def _ping(self, request: web.Request) -> web.Response:
        return web.json_response({})

    async def _time(self, request: web.Request) -> web.Response:
        return web.json_response({"serverTime": self.now_ms()})

    async def _exchange_info(self, request: web.Request) -> web.Response:
        return web.json_response({
            "timezone": "UTC", "serverTime": self.now_ms(),
            "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE",
                            "intervalNum": 1, "limit": 6000}],
            "exchangeFilters": [],
            "symbols": [self._symbol_info(s) for s in self.symbols.values()],
        })

    @staticmethod
    def _symbol_info(s: SymbolSpec) -> dict[str, Any]:
        return {
            "symbol": s.name, "status": s.status, "baseAsset": s.base, "baseAssetPrecision": 8,
            "quoteAsset": s.quote, "quotePrecision": 8, "quoteAssetPrecision": 8,
            "baseCommissionPrecision": 8, "quoteCommissionPrecision": 8,
            "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT",
                           "TAKE_PROFIT_LIMIT"],
            "icebergAllowed": True, "ocoAllowed": True, "quoteOrderQtyMarketAllowed": True,
            "allowTrailingStop": True, "cancelReplaceAllowed": True,
            "isSpotTradingAllowed": True, "isMarginTradingAllowed": False,
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": _s(s.tick),
                 "maxPrice": "1000000.00000000", "tickSize": _s(s.tick)},
                {"filterType": "LOT_SIZE", "minQty": _s(s.min_qty), "maxQty": _s(s.max_qty),
                 "stepSize": _s(s.step)},
                {"filterType": "NOTIONAL", "minNotional": _s(s.min_notional),
                 "applyMinToMarket": True, "maxNotional": "9000000.00000000",
                 "applyMaxToMarket": False, "avgPriceMins": 5},
            ],
            "permissions": [], "permissionSets": [["SPOT"]],
            "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
            "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
        }

    def generated_kline(self, spec: SymbolSpec, interval_ms: int, open_ms: int) -> list[Any]:
        """A deterministic candle: a slow sine around the symbol's price."""
        centre = float(spec.price)
        k = (open_ms - SERIES_START_MS) / 3_600_000
        o = centre * (1 + 0.02 * math.sin(k / 5))
        c = centre * (1 + 0.02 * math.sin((k + interval_ms / 3_600_000) / 5))
        hi, lo = max(o, c) * 1.001, min(o, c) * 0.999
        vol = 1 + (open_ms // interval_ms) % 7
        return [open_ms, f"{o:.2f}", f"{hi:.2f}", f"{lo:.2f}", f"{c:.2f}", f"{vol:.5f}",
                open_ms + interval_ms - 1, f"{vol * c:.2f}", 10, f"{vol / 2:.5f}",
                f"{vol * c / 2:.2f}", "0"]

    async def _klines(self, request: web.Request) -> web.Response:
        p = request[PARAMS]
        spec = self._symbol(p.get("symbol"))
        interval = p.get("interval", "")
        if interval not in INTERVAL_MS:
            raise BinanceError(400, -1120, "Invalid interval.")
        limit = int(p.get("limit", 500))
        if not 1 <= limit <= 1000:
            raise BinanceError(400, -1100, "Illegal characters found in parameter 'limit'; "
                                            "legal range is '1-1000'.")
        step = INTERVAL_MS[interval]
        now = self.now_ms()
        start = int(p["startTime"]) if "startTime" in p else None
        end = int(p["endTime"]) if "endTime" in p else None
        fixed = self.klines.get((spec.name, interval))
        if fixed is not None:
            rows = [k for k in fixed if (start is None or k[0] >= start)
                    and (end is None or k[0] <= end)]
            return web.json_response(rows[:limit] if start is not None else rows[-limit:])
        last_open = (min(now, end) if end is not None else now) // step * step
        if start is not None:
            first = max(SERIES_START_MS, -(-start // step) * step)
        else:
            first = max(SERIES_START_MS, last_open - (limit - 1) * step)
        opens = range(first, last_open + 1, step)
        return web.json_response([self.generated_kline(spec, step, t)
                                  for t in itertools.islice(opens, limit)])

    def _ticker(self, s: SymbolSpec) -> dict[str, Any]:
        now = self.now_ms()
        price = _s(s.price)
        return {"symbol": s.name, "priceChange": "0.00000000", "priceChangePercent": "0.000",
                "weightedAvgPrice": price, "prevClosePrice": price, "lastPrice": price,
                "lastQty": "1.00000000", "bidPrice": price, "bidQty": "1.00000000",
                "askPrice": price, "askQty": "1.00000000", "openPrice": price,
                "highPrice": price, "lowPrice": price, "volume": "100.00000000",
                "quoteVolume": _s(s.price * 100), "openTime": now - 86_400_000,
                "closeTime": now, "firstId": 1, "lastId": 100, "count": 100}

    def _selected(self, p: dict[str, str]) -> list[SymbolSpec] | SymbolSpec:
        if "symbol" in p:
            return self._symbol(p["symbol"])
        if "symbols" in p:
            names = [n.strip('" ') for n in p["symbols"].strip("[]").split(",")]
            return [self._symbol(n) for n in names]
        return list(self.symbols.values())

    async def _ticker_24hr(self, request: web.Request) -> web.Response:
        sel = self._selected(request[PARAMS])
        if isinstance(sel, SymbolSpec):
            return web.json_response(self._ticker(sel))
        return web.json_response([self._ticker(s) for s in sel])

    async def _ticker_price(self, request: web.Request) -> web.Response:
        sel = self._selected(request[PARAMS])
        if isinstance(sel, SymbolSpec):
            return web.json_response({"symbol": sel.name, "price": _s(sel.price)})
        return web.json_response([{"symbol": s.name, "price": _s(s.price)} for s in sel])

    async def _book_ticker(self, request: web.Request) -> web.Response:
        sel = self._selected(request[PARAMS])
        items = [sel] if isinstance(sel, SymbolSpec) else sel
        out = [{"symbol": s.name, "bidPrice": _s(s.price), "bidQty": "1.00000000",
                "askPrice": _s(s.price), "askQty": "1.00000000"} for s in items]
        return web.json_response(out[0] if isinstance(sel, SymbolSpec) else out)

    # --- private endpoints ------------------------------------------------------------------
    async def _account(self, request: web.Request) -> web.Response:
        acc = self._signed(request)
        assets = sorted(set(acc.balances) | set(acc.locked))
        return web.json_response({
            "makerCommission": 10, "takerCommission": 10, "buyerCommission": 0,
            "sellerCommission": 0, "commissionRates": {"maker": "0.00100000",
                                                       "taker": "0.00100000",
                                                       "buyer": "0.00000000",
                                                       "seller": "0.00000000"},
            "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
            "requireSelfTradePrevention": False, "preventSor": False,
            "updateTime": self.now_ms(), "accountType": "SPOT",
            "balances": [{"asset": a, "free": _s(acc.balances.get(a, Decimal(0))),
                          "locked": _s(acc.locked.get(a, Decimal(0)))} for a in assets],
            "permissions": ["SPOT"], "uid": 354937868,
        })

    def _check_filters(self, s: SymbolSpec, qty: Decimal, price: Decimal | None,
                       ref: Decimal) -> None:
        if qty < s.min_qty or qty > s.max_qty or (qty - s.min_qty) % s.step != 0:
            raise BinanceError(400, -1013, "Filter failure: LOT_SIZE")
        if price is not None and (price <= 0 or price % s.tick != 0):
            raise BinanceError(400, -1013, "Filter failure: PRICE_FILTER")
        if qty * ref < s.min_notional:
            raise BinanceError(400, -1013, "Filter failure: NOTIONAL")

    async def _new_order(self, request: web.Request) -> web.Response:
        acc = self._signed(request)
        p = request[PARAMS]
        s = self._symbol(p.get("symbol"))
        side, otype = p.get("side", ""), p.get("type", "")
        if otype == "STOP_LOSS_LIMIT":
            return await self._new_stop_loss(acc, s, p)
        if side not in ("BUY", "SELL") or otype not in ("MARKET", "LIMIT"):
            raise BinanceError(400, -1102, "Mandatory parameter 'side' or 'type' was not sent, "
                                            "was empty/null, or malformed.")
        cid = p.get("newClientOrderId") or f"fake{next(self._ids)}"
        if any(o["clientOrderId"] == cid and o["_key"] == acc.secret for o in self.orders):
            raise BinanceError(400, -2010, "Duplicate order sent.")
        price = Decimal(p["price"]) if otype == "LIMIT" else None
        if "quoteOrderQty" in p and otype == "MARKET":
            qty = (Decimal(p["quoteOrderQty"]) / s.price).quantize(s.step, ROUND_DOWN)
        else:
            qty = Decimal(p.get("quantity", "0"))
        self._check_filters(s, qty, price, price or s.price)
        order = {"symbol": s.name, "orderId": next(self._ids), "orderListId": -1,
                 "clientOrderId": cid, "transactTime": self.now_ms(),
                 "price": _s(price or Decimal(0)), "origQty": _s(qty),
                 "executedQty": "0.00000000", "cummulativeQuoteQty": "0.00000000",
                 "status": "NEW", "timeInForce": "GTC" if otype == "LIMIT" else "GTC",
                 "type": otype, "side": side, "workingTime": self.now_ms(), "fills": [],
                 "selfTradePreventionMode": "NONE", "_key": acc.secret, "_acc": acc}
        marketable = otype == "MARKET" or (side == "BUY" and s.price <= price) or (
            side == "SELL" and s.price >= price)  # type: ignore[operator]
        self._reserve_or_fill(acc, s, order, qty, price, marketable)
        self.orders.append(order)
        return web.json_response(self._public(order, full=True))

    async def _new_stop_loss(self, acc: Account, s: SymbolSpec, p: dict[str, str]
                             ) -> web.Response:
        """A spot STOP_LOSS_LIMIT sell: base locked now; triggered when the price falls to
        ``stopPrice``, it then fills like a limit sell at ``price`` (or better)."""
        if p.get("side") != "SELL" or "stopPrice" not in p or "price" not in p:
            raise BinanceError(400, -1102, "Mandatory parameter 'stopPrice' was not sent, "
                                            "was empty/null, or malformed.")
        qty, limit, stop = Decimal(p.get("quantity", "0")), Decimal(p["price"]), Decimal(
            p["stopPrice"])
        self._check_filters(s, qty, limit, limit)
        if s.price <= stop:
            raise BinanceError(400, -2010, "Stop price would trigger immediately.")
        if acc.balances.get(s.base, Decimal(0)) < qty:
            raise BinanceError(400, -2010, "Account has insufficient balance for requested "
                                           "action.")
        acc.balances[s.base] -= qty
        acc.locked[s.base] = acc.locked.get(s.base, Decimal(0)) + qty
        cid = p.get("newClientOrderId") or f"fake{next(self._ids)}"
        order = {"symbol": s.name, "orderId": next(self._ids), "orderListId": -1,
                 "clientOrderId": cid, "transactTime": self.now_ms(), "price": _s(limit),
                 "origQty": _s(qty), "executedQty": "0.00000000",
                 "cummulativeQuoteQty": "0.00000000", "status": "NEW", "timeInForce": "GTC",
                 "type": "STOP_LOSS_LIMIT", "side": "SELL", "stopPrice": _s(stop),
                 "workingTime": -1, "fills": [], "selfTradePreventionMode": "NONE",
                 "_key": acc.secret, "_acc": acc, "_stop": stop}
        self.orders.append(order)
        return web.json_response(self._public(order, full=True))

    def _reserve_or_fill(self, acc: Account, s: SymbolSpec, order: dict[str, Any],
                         qty: Decimal, price: Decimal | None, marketable: bool) -> None:
        pay = s.quote if order["side"] == "BUY" else s.base
        need = qty * (s.price if marketable else price) if order["side"] == "BUY" else qty
        if acc.balances.get(pay, Decimal(0)) < need:
            raise BinanceError(400, -2010, "Account has insufficient balance for requested "
                                           "action.")
        acc.balances[pay] -= need
        if marketable:
            self._fill(acc, s, order, qty, s.price, paid=need)
        else:
            acc.locked[pay] = acc.locked.get(pay, Decimal(0)) + need

    def _fill(self, acc: Account, s: SymbolSpec, order: dict[str, Any], qty: Decimal,
              price: Decimal, paid: Decimal) -> None:
        cost = qty * price
        fee = cost * Decimal("0.001")
        if order["side"] == "BUY":
            acc.balances[s.base] = acc.balances.get(s.base, Decimal(0)) + qty
            acc.balances[s.quote] = acc.balances.get(s.quote, Decimal(0)) + paid - cost - fee
        else:
            acc.balances[s.quote] = acc.balances.get(s.quote, Decimal(0)) + cost - fee
        order.update(status="FILLED", executedQty=_s(qty), cummulativeQuoteQty=_s(cost),
                     fills=[{"price": _s(price), "qty": _s(qty), "commission": _s(fee),
                             "commissionAsset": s.quote, "tradeId": next(self._ids)}])

    def _match_open_orders(self, symbol: str) -> None:
        s = self.symbols[symbol]
        for o in self.orders:
            if o["symbol"] != symbol or o["status"] != "NEW":
                continue
            limit = Decimal(o["price"])
            if "_stop" in o:  # a stop loss: triggered at its stop, then a limit sell
                if s.price <= o["_stop"] and s.price >= limit:
                    acc = o["_acc"]
                    qty = Decimal(o["origQty"])
                    acc.locked[s.base] -= qty
                    self._fill(acc, s, o, qty, s.price, paid=qty)
                continue
            if (o["side"] == "BUY" and s.price <= limit) or (o["side"] == "SELL"
                                                              and s.price >= limit):
                acc: Account = o["_acc"]
                qty = Decimal(o["origQty"])
                pay = s.quote if o["side"] == "BUY" else s.base
                locked = qty * limit if o["side"] == "BUY" else qty
                acc.locked[pay] -= locked
                self._fill(acc, s, o, qty, limit, paid=locked)

    def _public(self, order: dict[str, Any], full: bool = False) -> dict[str, Any]:
        out = {k: v for k, v in order.items() if not k.startswith("_")}
        if not full:
            out.pop("fills", None)
            out.pop("transactTime", None)
            out.update(time=order["transactTime"], updateTime=self.now_ms(), isWorking=True,
                       stopPrice=order.get("stopPrice", "0.00000000"), icebergQty="0.00000000",
                       origQuoteOrderQty="0.00000000")
        return out

    def _find(self, acc: Account, p: dict[str, str]) -> dict[str, Any]:
        for o in self.orders:
            if o["_key"] != acc.secret or o["symbol"] != p.get("symbol"):
                continue
            if ("orderId" in p and str(o["orderId"]) == p["orderId"]) or (
                    "origClientOrderId" in p and o["clientOrderId"] == p["origClientOrderId"]):
                return o
        raise BinanceError(400, -2013, "Order does not exist.")

    async def _get_order(self, request: web.Request) -> web.Response:
        acc = self._signed(request)
        self._symbol(request[PARAMS].get("symbol"))
        return web.json_response(self._public(self._find(acc, request[PARAMS])))

    async def _cancel_order(self, request: web.Request) -> web.Response:
        acc = self._signed(request)
        s = self._symbol(request[PARAMS].get("symbol"))
        try:
            o = self._find(acc, request[PARAMS])
        except BinanceError:
            raise BinanceError(400, -2011, "Unknown order sent.") from None
        if o["status"] != "NEW":
            raise BinanceError(400, -2011, "Unknown order sent.")
        qty, limit = Decimal(o["origQty"]), Decimal(o["price"])
        pay = s.quote if o["side"] == "BUY" else s.base
        back = qty * limit if o["side"] == "BUY" else qty
        acc.locked[pay] -= back
        acc.balances[pay] = acc.balances.get(pay, Decimal(0)) + back
        o["status"] = "CANCELED"
        out = self._public(o)
        out["origClientOrderId"] = o["clientOrderId"]
        return web.json_response(out)

    async def _open_orders(self, request: web.Request) -> web.Response:
        acc = self._signed(request)
        sym = request[PARAMS].get("symbol")
        return web.json_response([self._public(o) for o in self.orders
                                  if o["_key"] == acc.secret and o["status"] == "NEW"
                                  and (sym is None or o["symbol"] == sym)])


class ThreadedFakeBinance:
    """Run a :class:`FakeBinance` on its own event loop in a daemon thread (e2e tests)."""

    def __init__(self, fake: FakeBinance | None = None) -> None:
        self.fake = fake or FakeBinance()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> FakeBinance:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.fake.start(), self._loop).result(10)
        return self.fake

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the server's loop (safe state changes from the test thread)."""
        async def run() -> Any:
            return fn()
        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


def main() -> None:  # pragma: no cover - manual use
    import argparse

    parser = argparse.ArgumentParser(description="Local fake of Binance spot REST")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--extra-symbols", type=int, default=0)
    args = parser.parse_args()
    fake = FakeBinance(extra_symbols=args.extra_symbols)
    fake.add_account("demo-key", "demo-secret", USDT="10000", BTC="0.5")
    web.run_app(fake.app(), host="127.0.0.1", port=args.port)


if __name__ == "__main__":  # pragma: no cover
    main()
