"""Reconnect backoff: a server that accepts then closes is backed off like one that refuses."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from websockets.asyncio.server import ServerConnection, serve

from aristobot.market.binance_ws import BinanceTradeStream


class Sink:
    def __init__(self) -> None:
        self.frames: list[str | bytes] = []
        self.reasons: list[str] = []

    def on_frame(self, frame: str | bytes) -> None:
        self.frames.append(frame)

    def on_connected(self, url: str) -> None:
        pass

    def on_disconnected(self, reason: str) -> None:
        self.reasons.append(reason)


async def until(cond: Callable[[], bool]) -> None:
    async def poll() -> None:
        while not cond():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), 20)


async def stream_against(send_frame: bool) -> BinanceTradeStream:
    async def handler(ws: ServerConnection) -> None:
        if send_frame:
            await ws.send('{"stream":"btcusdt@trade","data":{}}')
        await ws.close()

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        stream = BinanceTradeStream(f"ws://127.0.0.1:{port}", ("BTCUSDT",), backoff_base_s=0.001,
                                    backoff_cap_s=0.004, rng=random.Random(1))
        sink = Sink()
        task = asyncio.ensure_future(stream.run(sink))
        try:
            await until(lambda: len(sink.reasons) >= 5)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    return stream


async def test_accept_then_close_increases_the_attempt() -> None:
    stream = await stream_against(send_frame=False)
    assert stream.connects >= 5
    assert stream.attempt >= 4  # every short-lived, silent link counted as a failure
    assert stream.failures >= 4


async def test_a_link_that_delivered_a_frame_resets_the_attempt() -> None:
    stream = await stream_against(send_frame=True)
    assert stream.connects >= 5 and stream.frames >= 5
    assert stream.attempt == 0 and stream.failures == 0
