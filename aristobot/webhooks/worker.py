"""A thread with its own event loop for placing the orders of accepted alerts.

Orders do blocking database work between their awaits; on the receiver's loop a burst of them
would delay the answers (TradingView gives up after 3 s). Here they run beside it: the
receiver's loop only stores and answers. The worker has its own exchange manager (like a
second receiver process would) and publishes on the runtime's bus through the main loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from concurrent.futures import Future
from typing import Any, cast

from aristobot.bus import Bus
from aristobot.bus.message import Message
from aristobot.runtime import Runtime

log = logging.getLogger(__name__)


class _LoopBus:
    """Publishes from the worker's loop through the bus owned by the main loop."""

    def __init__(self, bus: Bus, loop: asyncio.AbstractEventLoop) -> None:
        self._bus, self._loop = bus, loop

    async def publish(self, topic: str, type: str, payload: dict[str, Any]) -> Message:
        fut = asyncio.run_coroutine_threadsafe(self._bus.publish(topic, type, payload),
                                               self._loop)
        return await asyncio.wrap_future(fut)

    async def subscribe(self, *patterns: str, maxsize: int = 1000) -> Any:
        raise NotImplementedError("the order worker only publishes")

    async def close(self) -> None:
        """The main loop's bus is closed by its owner."""


class OrderWorker:
    """Runs coroutines on a private loop in a daemon thread."""

    def __init__(self, runtime: Runtime) -> None:
        main_loop = asyncio.get_running_loop()
        self.loop = asyncio.new_event_loop()
        # Same settings and database; own components (exchange manager), bus via main loop.
        self.runtime = dataclasses.replace(
            runtime, bus=cast(Bus, _LoopBus(runtime.bus, main_loop)), _components={},
            _closers=[], _tasks=set())
        self._thread = threading.Thread(target=self.loop.run_forever, name="webhook-orders",
                                        daemon=True)
        self._thread.start()

    def submit(self, coro: Any) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    async def aclose(self) -> None:
        """Close the worker's components and stop its loop."""
        try:
            await asyncio.wrap_future(self.submit(self._close_components()))
        except Exception:
            log.exception("error while closing the webhook order worker")
        self.loop.call_soon_threadsafe(self.loop.stop)
        await asyncio.to_thread(self._thread.join, 10)

    async def _close_components(self) -> None:
        for fn in reversed(self.runtime._closers):
            result = fn()
            if asyncio.iscoroutine(result):
                await result
