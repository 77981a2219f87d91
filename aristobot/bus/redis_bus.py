"""Redis pub/sub bus: the production transport between separate processes."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from aristobot.bus.base import Subscription
from aristobot.bus.message import Message
from aristobot.errors import BusError

log = logging.getLogger(__name__)

_MAX_BACKOFF_S = 5.0


def _reraise_cancellation() -> None:
    # redis-py turns a cancellation during I/O into a ConnectionError; retrying then would
    # swallow the cancel and keep a stopping service alive. Give the cancellation back.
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError()


class RedisBus:
    """Publishes JSON messages on Redis channels; one reader task feeds local subscriptions.

    The reader reconnects by itself with capped, jittered backoff and re-subscribes every
    pattern. Messages published while it is disconnected are lost (pub/sub semantics); the
    services persist what matters in the database first.
    """

    def __init__(self, url: str, namespace: str = "") -> None:
        self._url = url
        self._ns = namespace  # prefix of every Redis channel (several workbenches, one Redis)
        self.client_name = f"aristobot:{namespace}" if namespace else "aristobot"
        self._redis = aioredis.from_url(url, health_check_interval=15, client_name=self.client_name)
        self._subs: list[Subscription] = []
        self._patterns: dict[str, int] = {}
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self.published = 0
        self.reconnects = 0

    async def ping(self) -> None:
        """Raise ``BusError`` when Redis does not answer."""
        try:
            await self._redis.ping()  # type: ignore[misc]  # redis-py types ping() as sync|async
        except (RedisError, OSError) as e:
            raise BusError(reason=f"Redis injoignable ({self._url}) : {e}") from e

    async def publish(self, topic: str, type: str, payload: dict[str, Any]) -> Message:
        message = Message(topic=topic, type=type, payload=payload)
        await self.publish_many([message])
        return message

    async def publish_many(self, messages: list[Message]) -> None:
        """Publish several messages in one round trip (pipeline); raise ``BusError`` on failure."""
        for attempt in (1, 2):
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for m in messages:
                        pipe.publish(self._ns + m.topic, m.to_json())
                    await pipe.execute()
                self.published += len(messages)
                return
            except (RedisConnectionError, RedisTimeoutError, OSError) as e:
                _reraise_cancellation()
                if attempt == 2:
                    log.error("redis publish failed: %s", e)
                    raise BusError(reason=f"publication Redis impossible : {e}") from e
                await asyncio.sleep(0.2)

    async def subscribe(self, *patterns: str, maxsize: int = 1000) -> Subscription:
        sub = Subscription(patterns, maxsize, self._remove)
        self._subs.append(sub)
        new = [p for p in patterns if self._patterns.get(p, 0) == 0]
        for p in patterns:
            self._patterns[p] = self._patterns.get(p, 0) + 1
        if self._reader is None:
            self._reader = asyncio.get_running_loop().create_task(self._read_forever())
        if new and self._pubsub is not None:
            try:
                await self._pubsub.psubscribe(*(self._ns + p for p in new))
            except (RedisError, OSError):
                log.warning("psubscribe failed; the reader will resubscribe on reconnect")
        await self._wait_ready()
        return sub

    async def _wait_ready(self) -> None:
        # Wait until the reader holds a pubsub subscribed to every pattern, so that a message
        # published right after subscribe() is not missed.
        for _ in range(200):
            if self._pubsub is not None and self._pubsub.subscribed:
                return
            await asyncio.sleep(0.01)

    async def _remove(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)
        gone = []
        for p in sub.patterns:
            self._patterns[p] -= 1
            if self._patterns[p] == 0:
                del self._patterns[p]
                gone.append(p)
        if gone and self._pubsub is not None:
            try:
                await self._pubsub.punsubscribe(*(self._ns + p for p in gone))
            except (RedisError, OSError):
                pass

    async def _read_forever(self) -> None:
        backoff = 0.1
        while True:
            try:
                self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                patterns = list(self._patterns) or ["__aristobot_idle__"]
                await self._pubsub.psubscribe(*(self._ns + p for p in patterns))
                backoff = 0.1
                while True:
                    raw = await self._pubsub.get_message(timeout=1.0)
                    if raw is None or raw.get("type") != "pmessage":
                        continue
                    self._dispatch(Message.from_json(raw["data"]))
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as e:
                _reraise_cancellation()
                self.reconnects += 1
                log.warning("redis bus disconnected (%s); reconnecting in %.1fs", e, backoff)
                await self._drop_pubsub()
                await asyncio.sleep(backoff * (0.5 + random.random()))
                backoff = min(backoff * 2, _MAX_BACKOFF_S)

    def _dispatch(self, message: Message) -> None:
        for sub in self._subs:
            if sub.matches(message.topic):
                sub.put(message)

    async def _drop_pubsub(self) -> None:
        if self._pubsub is not None:
            try:
                await self._pubsub.aclose()
            except (RedisError, OSError):
                pass
            self._pubsub = None

    @property
    def dropped(self) -> int:
        return sum(s.dropped for s in self._subs)

    async def close(self) -> None:
        for sub in list(self._subs):
            await sub.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass
            self._reader = None
        await self._drop_pubsub()
        await self._redis.aclose()
