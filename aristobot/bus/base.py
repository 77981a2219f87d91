"""The bus port: async publish/subscribe with bounded, drop-counting subscriptions."""

from __future__ import annotations

import asyncio
import fnmatch
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from aristobot.bus.message import Message

log = logging.getLogger(__name__)


class Subscription:
    """A bounded queue of messages matching some topic patterns.

    When the queue is full the **oldest** message is dropped and counted, so a slow
    subscriber never blocks the publisher. Iterate with ``async for msg in sub``.
    """

    def __init__(
        self, patterns: tuple[str, ...], maxsize: int, on_close: Callable[[Subscription], Any]
    ) -> None:
        self.patterns = patterns
        self._exact = {p for p in patterns if not any(c in p for c in "*?[")}
        self._globs = tuple(p for p in patterns if p not in self._exact)
        self._queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=maxsize)
        self._on_close = on_close
        self.dropped = 0
        self.closed = False

    def matches(self, topic: str) -> bool:
        return topic in self._exact or any(fnmatch.fnmatchcase(topic, g) for g in self._globs)

    def put(self, message: Message) -> None:
        """Enqueue without ever blocking; drop the oldest message when full."""
        if self.closed:
            return
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            try:
                self._queue.get_nowait()
            except asyncio.QueueEmpty:
                pass
            self.dropped += 1
            self._queue.put_nowait(message)

    async def get(self, timeout: float | None = None) -> Message:
        """Return the next message (raise ``TimeoutError`` after ``timeout`` seconds)."""
        if timeout is None:
            return await self._queue.get()
        return await asyncio.wait_for(self._queue.get(), timeout)

    def get_nowait(self) -> Message | None:
        try:
            return self._queue.get_nowait()
        except asyncio.QueueEmpty:
            return None

    def qsize(self) -> int:
        return self._queue.qsize()

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Message]:
        while not self.closed:
            yield await self._queue.get()

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await _maybe_await(self._on_close(self))

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def _maybe_await(value: Any) -> None:
    if asyncio.iscoroutine(value):
        await value


class Bus(Protocol):
    """Publish/subscribe between the services and the dashboard."""

    async def publish(self, topic: str, type: str, payload: dict[str, Any]) -> Message: ...

    async def subscribe(self, *patterns: str, maxsize: int = 1000) -> Subscription: ...

    async def close(self) -> None: ...
