"""In-process bus: the embedded runtime's transport (one process, one event loop)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aristobot.bus.base import Subscription
from aristobot.bus.message import Message

log = logging.getLogger(__name__)


class InMemoryBus:
    """Delivers messages to subscriptions of the same process; never blocks the publisher."""

    def __init__(self) -> None:
        self._subs: list[Subscription] = []
        self.published = 0

    async def publish(self, topic: str, type: str, payload: dict[str, Any]) -> Message:
        message = Message(topic=topic, type=type, payload=payload)
        self.publish_nowait(message)
        # Yield, like a network transport would: a publishing loop never starves subscribers
        # and stays cancellable.
        await asyncio.sleep(0)
        return message

    def publish_nowait(self, message: Message) -> None:
        """Deliver ``message`` synchronously (safe from non-async code on the loop thread)."""
        self.published += 1
        for sub in self._subs:
            if sub.matches(message.topic):
                sub.put(message)

    async def subscribe(self, *patterns: str, maxsize: int = 1000) -> Subscription:
        sub = Subscription(patterns, maxsize, self._remove)
        self._subs.append(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)

    @property
    def dropped(self) -> int:
        return sum(s.dropped for s in self._subs)

    async def close(self) -> None:
        for sub in list(self._subs):
            await sub.close()
