"""Native websocket client for Binance's combined trade streams (the ``websockets`` library).

* Ping/pong: Binance pings every 20 s and the library answers each ping with a pong carrying
  its payload; the client also pings every 20 s itself to notice a dead link within ~40 s.
* Reconnect with capped exponential backoff and full jitter after any failure. A connection
  counts as a success only once it held ``STABLE_AFTER_S`` or delivered a frame: a server that
  accepts then closes at once is backed off like one that refuses.
* Planned rotations (before Binance's 24 h disconnect, or on ``serverShutdown``) are
  make-before-break: the new connection is open and reading before the old one is closed, so
  nothing is lost; the overlap is removed downstream by trade id.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
from collections.abc import Callable
from typing import Any, Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from aristobot.market import messages
from aristobot.market.frames import combined_url

log = logging.getLogger(__name__)

#: Binance drops a connection at the 24 h mark; rotate a little before.
MAX_CONNECTION_AGE_S = 23 * 3600 + 50 * 60
#: a link that held this long (or delivered a frame) was healthy: the backoff starts over
STABLE_AFTER_S = 30.0


class FrameSink(Protocol):
    """Receives frames and connection-state changes from the stream."""

    def on_frame(self, frame: str | bytes) -> None: ...

    def on_connected(self, url: str) -> None: ...

    def on_disconnected(self, reason: str) -> None: ...


def backoff_delay(attempt: int, base_s: float, cap_s: float, rng: random.Random) -> float:
    """Return the wait before reconnect ``attempt`` (0-based): full jitter, capped."""
    return float(rng.uniform(0.5, 1.0) * min(cap_s, base_s * (2**attempt)))


class BinanceTradeStream:
    """Keep one combined trade stream open for ``symbols`` and feed its frames to a sink."""

    def __init__(
        self,
        base_url: str,
        symbols: tuple[str, ...],
        *,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 30.0,
        max_age_s: float = MAX_CONNECTION_AGE_S,
        open_timeout_s: float = 10.0,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = combined_url(base_url, symbols)
        self.symbols = symbols
        self._base = backoff_base_s
        self._cap = backoff_cap_s
        self._max_age = max_age_s
        self._open_timeout = open_timeout_s
        self._rng = rng or random.Random()
        self._clock = clock
        self._rotate = asyncio.Event()
        self.connects = 0
        self.frames = 0
        self.attempt = 0  # consecutive failed connections (drives the backoff)
        self.rotations = 0
        self.failures = 0

    def request_rotation(self) -> None:
        """Open a fresh connection, then drop the current one (``serverShutdown``)."""
        self._rotate.set()

    async def _connect(self) -> ClientConnection:
        ws = await connect(
            self.url,
            open_timeout=self._open_timeout,
            ping_interval=20,
            ping_timeout=20,
            close_timeout=2,
            compression=None,
            max_size=2**22,
            max_queue=None,
        )
        self.connects += 1
        return ws

    async def run(self, sink: FrameSink) -> None:
        """Stream forever (until cancelled), reconnecting as needed."""
        self.attempt = 0
        while True:
            try:
                ws = await self._connect()
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as e:
                self.failures += 1
                sink.on_disconnected(_describe(e))
                await asyncio.sleep(self._next_delay(healthy=False))
                continue
            sink.on_connected(self.url)
            opened, frames = self._clock(), self.frames
            reason = await self._hold(ws, sink)
            sink.on_disconnected(reason)
            healthy = self.frames > frames or self._clock() - opened >= STABLE_AFTER_S
            if not healthy:
                self.failures += 1
            await asyncio.sleep(self._next_delay(healthy))

    def _next_delay(self, healthy: bool) -> float:
        """Return the wait before the next connection; a failure increases the attempt."""
        if healthy:
            self.attempt = 0
            return backoff_delay(0, self._base, self._cap, self._rng) / 10
        delay = backoff_delay(self.attempt, self._base, self._cap, self._rng)
        self.attempt += 1
        return delay

    async def _hold(self, ws: ClientConnection, sink: FrameSink) -> str:
        """Read ``ws`` (rotating it when due); return why the last connection ended."""
        reader = asyncio.ensure_future(_read(ws, sink, self))
        opened = self._clock()
        rotate: asyncio.Future[Any] | None = None
        try:
            while True:
                wait = max(0.0, self._max_age - (self._clock() - opened))
                waiter = asyncio.ensure_future(self._rotate.wait())
                rotate = waiter
                done, _ = await asyncio.wait(
                    {reader, waiter}, timeout=wait, return_when=asyncio.FIRST_COMPLETED
                )
                waiter.cancel()
                if reader in done:
                    return reader.result()
                self._rotate.clear()
                try:
                    fresh = await self._connect()
                except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as e:
                    log.warning("rotation failed (%s); keeping the current connection", e)
                    opened = self._clock() - self._max_age + 5.0  # retry in 5 s
                    continue
                self.rotations += 1
                new_reader = asyncio.ensure_future(_read(fresh, sink, self))
                await _close(ws, reader)
                ws, reader, opened = fresh, new_reader, self._clock()
                log.info("websocket rotated (make-before-break)")
        finally:
            if rotate is not None:
                rotate.cancel()  # cancelled mid-wait: never leave the waiter pending
            await _close(ws, reader)


async def _read(ws: ClientConnection, sink: FrameSink, stream: BinanceTradeStream) -> str:
    on_frame = sink.on_frame
    try:
        async for frame in ws:
            on_frame(frame)
            stream.frames += 1
    except ConnectionClosed as e:
        return _describe(e)
    return messages.CLOSED_BY_SERVER


async def _close(ws: ClientConnection, reader: asyncio.Future[str]) -> None:
    reader.cancel()
    try:
        await ws.close()
    except Exception:  # closing a broken socket must never break the loop
        log.debug("error while closing a websocket", exc_info=True)
    try:
        await reader
    except (asyncio.CancelledError, Exception):
        pass


def _describe(e: BaseException) -> str:
    """Return a French reason for a connection failure (the raw detail goes to the log)."""
    text = _describe_fr(e)
    log.info("websocket failure: %s (%r)", text, e)
    return text


def _describe_fr(e: BaseException) -> str:
    if isinstance(e, ConnectionClosed):
        rcvd = e.rcvd
        if rcvd is not None:
            return messages.closed_by_binance(rcvd.code)
        return messages.CONNECTION_LOST
    if isinstance(e, TimeoutError):
        return messages.CONNECT_TIMEOUT
    if isinstance(e, socket.gaierror):
        return messages.HOST_NOT_FOUND
    if isinstance(e, ConnectionRefusedError):
        return messages.CONNECTION_REFUSED
    if isinstance(e, OSError):
        return messages.network_error(e.errno)
    if isinstance(e, InvalidHandshake):
        return messages.HANDSHAKE_REFUSED
    return messages.unexpected_error(type(e).__name__)
