"""Small asyncio helpers of the heartbeat service (cancellation, publication, statistics)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

from aristobot.bus import Bus
from aristobot.bus.message import Message

log = logging.getLogger("aristobot.heartbeat.service")


def checkpoint() -> None:
    # A library that swallows CancelledError (seen with the Redis client when a publish is
    # cancelled mid-flight) must not leave a cancelled loop running forever.
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def settle(job: asyncio.Future[Any]) -> None:
    """Wait for ``job`` to finish (even through repeated cancellations); ignore its outcome."""
    for _ in range(3):
        try:
            await asyncio.wait([job])
            break
        except asyncio.CancelledError:
            continue
    if job.done() and not job.cancelled() and job.exception() is not None:
        log.error("heartbeat start not recorded: %s", job.exception())


def p99(values: deque[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


async def publish_all(bus: Bus, messages: list[Message]) -> None:
    many = getattr(bus, "publish_many", None)
    if many is not None:
        await many(messages)
        return
    for m in messages:
        await bus.publish(m.topic, m.type, m.payload)


def log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("status publication failed: %s", task.exception())
