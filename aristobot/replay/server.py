"""A local server speaking Binance's market-data protocol, fed by a tape or a synthetic market.

* websocket: ``/stream?streams=btcusdt@trade/...`` (combined envelope) and ``/ws/<stream>``
  (raw); ``SUBSCRIBE``/``UNSUBSCRIBE``/``LIST_SUBSCRIPTIONS`` requests are answered; the
  server pings every 20 s like Binance.
* HTTP on the same port: Binance's public REST API (:mod:`aristobot.replay.exchange`):
  exchangeInfo for the served symbols and the majors, klines built from the trades replayed
  so far (and, with ``history_seed``, seeded history before them), tickers, time, ping.
* The market runs whether or not a client is connected, like the real one: a client that
  disconnects misses trades (a trade-id gap), exactly what the heartbeat must survive.
* Pacing: ``speed=1`` real time, ``speed=60`` one market minute per second, ``speed=None``
  as fast as the clients read (benchmarks; it waits for a first client).
* Fault injection: ``pause()``, ``lose()``, ``drop_clients()``, ``send_raw()``,
  ``garbage()``, ``server_shutdown()``; scheduled with ``faults=`` (see
  :mod:`aristobot.replay.faults`) or, with ``control=True``, ``GET /control/<kind>?arg=N``.
* Resume: ``state()`` tells where the replay is; ``preload=N`` fast-forwards the first N
  trades of a restarted source into the exchange's memory (REST) without streaming them.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from aristobot.replay.exchange import OfflineExchange
from aristobot.replay.faults import Fault
from aristobot.replay.history import FIXED_ANCHOR_MS, SyntheticHistory
from aristobot.replay.sources import TapeTrade, trade_frame
from aristobot.replay.symbols import MAJORS, MarketSpec, spec_for
from aristobot.replay.trade_log import TradeLog

log = logging.getLogger(__name__)

GARBAGE = ("{not json", '{"stream":"btcusdt@trade","data":{"e":"trade","p":"NaN"}}', "\x00\xff")


@dataclass
class _Client:
    ws: ServerConnection
    streams: set[str]
    combined: bool


class ReplayServer:
    """Replay ``trades`` to websocket clients on ``host:port`` (port 0 picks a free one).

    ``since_ms``: the instant from which the market is fully known (default: the source's
    ``since_ms`` attribute, else the first trade: a tape's first minute is partial).
    ``clock_ms``: the market time at the start, for a market that runs on the wall clock
    (trades stamped before it are fast-forwarded at once). ``history_seed``: serve seeded
    synthetic klines before ``since_ms`` (backtests offline); None serves trades only.
    The history of a market is anchored on its typical price at :data:`FIXED_ANCHOR_MS`
    (the same klines at every run), except for a traded symbol when ``anchor_on_trades``
    (a tape): then its history ends at its first trade's price.
    """

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
        since_ms: int | None = None,
        clock_ms: int | None = None,
        history_seed: int | None = None,
        anchor_on_trades: bool = True,
        markets: Mapping[str, MarketSpec] | None = None,
        faults: tuple[Fault, ...] = (),
        control: bool = False,
        preload: int = 0,
        preload_shift_ms: int | None = None,
    ) -> None:
        self._trades = trades
        self.speed = speed
        self.shift_ms = shift_ms
        self.host = host
        self.port = port
        self.keep_history = keep_history
        self.limit = limit
        self._ping_interval = ping_interval
        self._since = since_ms if since_ms is not None else getattr(trades, "since_ms", None)
        self._clock_ms = clock_ms
        self._history_seed = history_seed
        self._anchor_on_trades = anchor_on_trades
        self._faults = faults
        self._control_enabled = control
        self._preload = preload
        self._preload_shift = shift_ms if preload_shift_ms is None else preload_shift_ms
        self._clients: list[_Client] = []
        self.markets: dict[str, MarketSpec] = dict(markets if markets is not None else MAJORS)
        self.logs: dict[str, TradeLog] = {}
        self._pending: list[tuple[list[TapeTrade], int]] = []
        self._pending_n = 0
        self.histories: dict[str, SyntheticHistory] = {}
        self.exchange = OfflineExchange(self.markets, self.logs, self.histories, self.now_ms,
                                        before=self.flush)
        self._server: Server | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._client_seen = asyncio.Event()
        self._t0: tuple[float, int] | None = None  # (wall, market ms) at the first trade
        self._last_ts: int | None = None  # last trade produced, shifted (market time at max)
        self._last_raw_ts: int | None = None  # the same, as in the source (resume)
        self._held: list[list[TapeTrade]] | None = None  # frames held by a pause
        self._lose = 0
        self.emitted = 0
        self.sent = 0
        self.lost = 0
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
        for spec in self.markets.values():
            self._history(spec, FIXED_ANCHOR_MS, spec.price)
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._produce()))
        self._tasks.extend(loop.create_task(self._inject(f)) for f in self._faults)

    async def stop(self) -> None:
        """Stop the market and close every connection."""
        for task in self._tasks:
            task.cancel()
            try:
                await task
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
        """Return the current market (exchange) time, or None before the first trade.

        Unpaced (``speed=None``), the market is where its last trade is.
        """
        if self.speed is None:
            return self._last_ts
        if self._t0 is None:
            return None
        wall0, mkt0 = self._t0
        return int(mkt0 + (time.monotonic() - wall0) * 1000 * self.speed)

    def now_ms(self) -> int:
        """Return the exchange's clock: market time, else its start, else the wall clock."""
        now = self.market_time_ms()
        if now is None:
            now = self._clock_ms if self._clock_ms is not None else int(time.time() * 1000)
        return now

    def state(self) -> dict[str, Any]:
        """Return where the replay is (to resume it after a restart)."""
        return {"emitted": self.emitted, "shift_ms": self.shift_ms,
                "last_ts_ms": self._last_raw_ts, "market_ms": self.market_time_ms(),
                "saved_at_ms": int(time.time() * 1000)}

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

    async def garbage(self, count: int = 3) -> None:
        """Send ``count`` malformed frames to every client."""
        for i in range(count):
            await self.send_raw(GARBAGE[i % len(GARBAGE)])

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

    def lose(self, count: int) -> None:
        """Never stream the next ``count`` trades (REST klines still count them)."""
        self._lose += count

    def pause(self, seconds: float) -> None:
        """Hold every frame for ``seconds``, then deliver them late, in one burst."""
        if self._held is None:
            self._held = []
            self._tasks.append(asyncio.get_running_loop().create_task(self._unpause(seconds)))

    async def _unpause(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        held, self._held = self._held or [], None
        for batch in held:
            await self._send(batch)

    async def apply(self, kind: str, arg: float) -> None:
        """Inject one fault now (see :mod:`aristobot.replay.faults`)."""
        log.warning("fault injected: %s %s", kind, arg)
        if kind == "pause":
            self.pause(arg)
        elif kind == "drop":
            await self.drop_clients()
        elif kind == "garbage":
            await self.garbage(int(arg))
        elif kind == "shutdown":
            await self.server_shutdown()
        elif kind == "lose":
            self.lose(int(arg))
        else:
            raise ValueError(f"unknown fault {kind!r}")

    async def _inject(self, fault: Fault) -> None:
        while self._t0 is None and self._last_ts is None:
            await asyncio.sleep(0.05)
        if fault.after_s is not None:
            await asyncio.sleep(fault.after_s)
        else:
            assert fault.at_ms is not None
            while (now := self.now_ms()) < fault.at_ms:
                await asyncio.sleep(min(1.0, max(0.005, (fault.at_ms - now) / 1000
                                                  / (self.speed or 1000.0))))
        await self.apply(fault.kind, fault.arg)

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
            self._fast_forward()
            if self.speed is None:
                await self._client_seen.wait()
            elif self._clock_ms is not None:
                self._t0 = (time.monotonic(), self._clock_ms)
            batch: list[TapeTrade] = []
            for trade in self._trades:
                if self.limit is not None and self.emitted + len(batch) >= self.limit:
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

    def _fast_forward(self) -> None:
        """Resume: the first ``preload`` trades enter the exchange's memory, unstreamed."""
        skipped = list(itertools.islice(self._trades, self._preload))
        if skipped:
            self._record(skipped, self._preload_shift)
            self.emitted += len(skipped)
            self._last_raw_ts = skipped[-1].ts_ms

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

    def _history(self, spec: MarketSpec, anchor_ms: int, price: float) -> None:
        if self._history_seed is not None:
            self.histories[spec.symbol] = SyntheticHistory(spec, self._history_seed, anchor_ms,
                                                           price)

    def _log_for(self, t: TapeTrade, shift: int) -> TradeLog:
        tlog = self.logs.get(t.symbol)
        if tlog is None:
            ts = t.ts_ms + shift
            since = ts if self._since is None else self._since + shift
            spec = self.markets.get(t.symbol) or spec_for(t.symbol, float(t.price))
            self.markets[t.symbol] = spec
            if self._anchor_on_trades or spec.symbol not in self.histories:
                self._history(spec, since, float(t.price))
            tlog = self.logs[t.symbol] = TradeLog(since)
        return tlog

    def _record(self, batch: list[TapeTrade], shift: int) -> None:
        """Queue ``batch`` for the exchange's memory (columns are built on demand, in bulk)."""
        self._pending.append((batch, shift))
        self._pending_n += len(batch)
        self._last_ts = batch[-1].ts_ms + shift
        if self._pending_n >= 200_000:
            self.flush()

    def flush(self) -> None:
        """Move queued trades into the per-symbol logs (before any REST answer)."""
        pending, self._pending, self._pending_n = self._pending, [], 0
        for batch, shift in pending:
            symbols = {t.symbol for t in batch}
            for sym in symbols:
                trades = batch if len(symbols) == 1 else [t for t in batch if t.symbol == sym]
                self._log_for(trades[0], shift).extend(
                    [t.ts_ms + shift for t in trades], [float(t.price) for t in trades],
                    [float(t.qty) for t in trades], [0 if t.buyer_maker else 1 for t in trades])

    async def _emit(self, batch: list[TapeTrade]) -> None:
        shift = self.shift_ms
        if self._t0 is None:
            self._t0 = (time.monotonic(), batch[0].ts_ms + shift)
        self.emitted += len(batch)
        self._last_raw_ts = batch[-1].ts_ms
        if self.keep_history:
            self._record(batch, shift)
        else:
            self._last_ts = batch[-1].ts_ms + shift
        if self._lose:
            n = min(self._lose, len(batch))
            self._lose -= n
            self.lost += n
            batch = batch[n:]
        if self._held is not None:
            self._held.append(batch)
        else:
            await self._send(batch)
        await asyncio.sleep(0)

    async def _send(self, batch: list[TapeTrade]) -> None:
        shift = self.shift_ms
        for c in list(self._clients):
            for t in batch:
                if f"{t.symbol.lower()}@trade" not in c.streams:
                    continue
                try:
                    await c.ws.send(trade_frame(t, shift, c.combined))
                    self.sent += 1
                except ConnectionClosed:
                    break

    # --- HTTP --------------------------------------------------------------------------------
    def _http(self, conn: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        if parts.path == "/stream" or parts.path.startswith("/ws"):
            return None
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path.startswith("/control/") and self._control_enabled:
            return self._control_request(conn, parts.path[len("/control/"):], q)
        status, body = self.exchange.answer(parts.path, q)
        return _json(conn, status, body)

    def _control_request(self, conn: ServerConnection, kind: str,
                         q: dict[str, str]) -> Response:
        from aristobot.replay.faults import KINDS

        if kind not in KINDS:
            return _json(conn, HTTPStatus.NOT_FOUND, {"error": f"unknown fault {kind!r}"})
        try:
            arg = float(q.get("arg", KINDS[kind]))
        except ValueError:
            return _json(conn, HTTPStatus.BAD_REQUEST, {"error": "arg must be a number"})
        self._tasks.append(asyncio.get_running_loop().create_task(self.apply(kind, arg)))
        return _json(conn, HTTPStatus.OK, {"fault": kind, "arg": arg})


def _json(conn: ServerConnection, status: HTTPStatus, body: Any) -> Response:
    resp = conn.respond(status, orjson.dumps(body).decode())
    del resp.headers["Content-Type"]
    resp.headers["Content-Type"] = "application/json"
    return resp
