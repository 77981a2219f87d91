"""A local server speaking Binance's market-data protocol, fed by a tape or a synthetic market.

* websocket: ``/stream?streams=btcusdt@trade/...`` (combined envelope) and ``/ws/<stream>``
  (raw); ``SUBSCRIBE``/``UNSUBSCRIBE``/``LIST_SUBSCRIPTIONS`` requests are answered; the
  server pings every 20 s like Binance.
* HTTP on the same port: ``GET /api/v3/klines`` (built from the trades replayed so far, so
  the heartbeat's backfill works offline), ``/api/v3/ping`` and ``/api/v3/time``.
* The market runs whether or not a client is connected, like the real one: a client that
  disconnects misses trades (a trade-id gap), exactly what the heartbeat must survive.
* Pacing: ``speed=1`` real time, ``speed=60`` one market minute per second, ``speed=None``
  as fast as the clients read (benchmarks; it waits for a first client).
* Fault injection for tests: ``drop_clients()``, ``send_raw()``, ``server_shutdown()``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from aristobot.core.aggregator import CandleAggregator
from aristobot.domain.timeframe import Timeframe
from aristobot.replay.sources import TapeTrade, trade_frame

log = logging.getLogger(__name__)

_KLINE_INTERVALS = {"1m", "3m", "5m", "15m", "1h", "2h", "4h", "1d"}


@dataclass
class _Client:
    ws: ServerConnection
    streams: set[str]
    combined: bool


@dataclass
class _History:
    ts: list[int] = field(default_factory=list)
    price: list[float] = field(default_factory=list)
    qty: list[float] = field(default_factory=list)


class ReplayServer:
    """Replay ``trades`` to websocket clients on ``host:port`` (port 0 picks a free one)."""

    def __init__(
        self,
        trades: Iterator[TapeTrade],
        *,
        speed: float | None = 1.0,
        shift_ms: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        keep_history: bool = True,
        limit: int | None = None,
        ping_interval: float | None = 20.0,
    ) -> None:
        self._trades = trades
        self.speed = speed
        self.shift_ms = shift_ms
        self.host = host
        self.port = port
        self.keep_history = keep_history
        self.limit = limit
        self._ping_interval = ping_interval
        self._clients: list[_Client] = []
        self._history: dict[str, _History] = {}
        self._server: Server | None = None
        self._producer: asyncio.Task[None] | None = None
        self._client_seen = asyncio.Event()
        self._t0: tuple[float, int] | None = None  # (wall, market ms) at the first trade
        self.emitted = 0
        self.sent = 0
        self.finished = asyncio.Event()

    # --- lifecycle --------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Return the websocket base URL (what ``ARISTOBOT_BINANCE_WS_URL`` points at)."""
        return f"ws://{self.host}:{self.port}"

    @property
    def rest_url(self) -> str:
        """Return the HTTP base URL (what ``ARISTOBOT_BINANCE_REST_URL`` points at)."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Listen and start the market."""
        self._server = await serve(
            self._handle, self.host, self.port, process_request=self._http,
            ping_interval=self._ping_interval, compression=None, max_queue=None,
        )
        sock = next(iter(self._server.sockets))
        self.port = int(sock.getsockname()[1])
        self._producer = asyncio.get_running_loop().create_task(self._produce())

    async def stop(self) -> None:
        """Stop the market and close every connection."""
        if self._producer is not None:
            self._producer.cancel()
            try:
                await self._producer
            except (asyncio.CancelledError, Exception):
                pass
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> ReplayServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def market_time_ms(self) -> int | None:
        """Return the current market (exchange) time, or None before the first trade."""
        if self._t0 is None:
            return None
        wall0, mkt0 = self._t0
        return int(mkt0 + (time.monotonic() - wall0) * 1000 * (self.speed or 1.0))

    # --- faults -----------------------------------------------------------------------------
    async def drop_clients(self) -> None:
        """Close every client connection abruptly (no close handshake)."""
        for c in list(self._clients):
            c.ws.transport.abort()

    async def send_raw(self, frame: str) -> None:
        """Send ``frame`` verbatim to every client (bad frames, errors …)."""
        for c in list(self._clients):
            try:
                await c.ws.send(frame)
            except ConnectionClosed:
                pass

    async def server_shutdown(self) -> None:
        """Announce a ``serverShutdown`` event to every client, as Binance does."""
        ts = self.market_time_ms() or 0
        for c in list(self._clients):
            data = f'{{"e":"serverShutdown","E":{ts}}}'
            frame = f'{{"stream":"!serverShutdown","data":{data}}}' if c.combined else data
            try:
                await c.ws.send(frame)
            except ConnectionClosed:
                pass

    # --- websocket ---------------------------------------------------------------------------
    async def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        parts = urlsplit(ws.request.path)
        if parts.path == "/stream":
            raw = parse_qs(parts.query).get("streams", [""])[0]
            client = _Client(ws, {s for s in raw.split("/") if s}, True)
        elif parts.path.startswith("/ws"):
            name = parts.path[4:]
            client = _Client(ws, {name} if name else set(), False)
        else:
            await ws.close(1008, "unknown path")
            return
        self._clients.append(client)
        self._client_seen.set()
        try:
            async for msg in ws:
                await self._control(client, msg)
        except ConnectionClosed:
            pass
        finally:
            self._clients.remove(client)

    async def _control(self, client: _Client, msg: str | bytes) -> None:
        try:
            req = orjson.loads(msg)
            method, rid = req["method"], req.get("id")
        except (orjson.JSONDecodeError, KeyError, TypeError):
            await client.ws.send('{"error":{"code":3,"msg":"Invalid JSON"},"id":null}')
            return
        params = req.get("params") or []
        result: Any = None
        if method == "SUBSCRIBE":
            client.streams.update(params)
        elif method == "UNSUBSCRIBE":
            client.streams.difference_update(params)
        elif method == "LIST_SUBSCRIPTIONS":
            result = sorted(client.streams)
        else:
            await client.ws.send(orjson.dumps({"error": {"code": 2, "msg": "unknown"}, "id": rid}))
            return
        await client.ws.send(orjson.dumps({"result": result, "id": rid}).decode())

    # --- market ------------------------------------------------------------------------------
    async def _produce(self) -> None:
        try:
            if self.speed is None:
                await self._client_seen.wait()
            batch: list[TapeTrade] = []
            for trade in self._trades:
                if self.limit is not None and self.emitted >= self.limit:
                    break
                if self.speed is not None:
                    due = self._due(trade.ts_ms + self.shift_ms)
                    if due > 0:
                        if batch:
                            await self._emit(batch)
                            batch = []
                        await asyncio.sleep(due)
                batch.append(trade)
                if len(batch) >= 512:
                    await self._emit(batch)
                    batch = []
            if batch:
                await self._emit(batch)
        finally:
            self.finished.set()

    def _due(self, ts_ms: int) -> float:
        """Return the seconds to wait before ``ts_ms`` is due (starts the clock at once)."""
        now = time.monotonic()
        if self._t0 is None:
            # a market stamped "now" runs on the wall clock, so that no trade is sent before
            # its own timestamp (latency measurements); any other market starts at once
            wall_ms = int(time.time() * 1000)
            self._t0 = (now, wall_ms if 0 <= ts_ms - wall_ms <= 5_000 else ts_ms)
        wall0, mkt0 = self._t0
        assert self.speed is not None
        return (ts_ms - mkt0) / 1000 / self.speed - (now - wall0)

    async def _emit(self, batch: list[TapeTrade]) -> None:
        shift = self.shift_ms
        if self._t0 is None:
            self._t0 = (time.monotonic(), batch[0].ts_ms + shift)
        self.emitted += len(batch)
        if self.keep_history:
            for t in batch:
                h = self._history.get(t.symbol)
                if h is None:
                    h = self._history[t.symbol] = _History()
                h.ts.append(t.ts_ms + shift)
                h.price.append(float(t.price))
                h.qty.append(float(t.qty))
        for c in list(self._clients):
            for t in batch:
                if f"{t.symbol.lower()}@trade" not in c.streams:
                    continue
                try:
                    await c.ws.send(trade_frame(t, shift, c.combined))
                    self.sent += 1
                except ConnectionClosed:
                    break
        await asyncio.sleep(0)

    # --- HTTP --------------------------------------------------------------------------------
    def _http(self, conn: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        if not parts.path.startswith("/api/"):
            return None
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/api/v3/ping":
            return _json(conn, HTTPStatus.OK, {})
        if parts.path == "/api/v3/time":
            return _json(conn, HTTPStatus.OK, {"serverTime": self.market_time_ms() or 0})
        if parts.path == "/api/v3/klines":
            return self._klines(conn, q)
        return _json(conn, HTTPStatus.NOT_FOUND, {"code": -1000, "msg": "Unknown endpoint."})

    def _klines(self, conn: ServerConnection, q: dict[str, str]) -> Response:
        hist = self._history.get(q.get("symbol", "").upper())
        if hist is None:
            return _json(conn, HTTPStatus.BAD_REQUEST, {"code": -1121, "msg": "Invalid symbol."})
        interval = q.get("interval", "")
        if interval not in _KLINE_INTERVALS:
            return _json(conn, HTTPStatus.BAD_REQUEST, {"code": -1120, "msg": "Invalid interval."})
        tf = Timeframe(interval)
        try:
            start = int(q.get("startTime", "0"))
            end = int(q.get("endTime", str(2**62)))
            limit = min(1000, int(q.get("limit", "500")))
        except ValueError:
            return _json(conn, HTTPStatus.BAD_REQUEST, {"code": -1100, "msg": "Illegal chars."})
        ts = np.array(hist.ts, dtype=np.int64)
        lo = int(np.searchsorted(ts, tf.floor_ms(start)))
        agg = CandleAggregator(q["symbol"].upper(), [tf], since_ms=tf.floor_ms(start))
        closed = agg.ingest(ts[lo:], np.array(hist.price[lo:]), np.array(hist.qty[lo:]))
        closed += agg.advance(self.market_time_ms() or 0)
        rows = [
            [c.open_time_ms, f"{c.open:.8f}", f"{c.high:.8f}", f"{c.low:.8f}",
             f"{c.close:.8f}", f"{c.volume:.8f}", c.close_time_ms - 1, "0", c.trades, "0", "0",
             "0"]
            for c in closed
            if start <= c.open_time_ms <= end
        ]
        return _json(conn, HTTPStatus.OK, rows[:limit])


def _json(conn: ServerConnection, status: HTTPStatus, body: Any) -> Response:
    resp = conn.respond(status, orjson.dumps(body).decode())
    del resp.headers["Content-Type"]
    resp.headers["Content-Type"] = "application/json"
    return resp
