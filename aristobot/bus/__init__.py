"""Publish/subscribe between services: in-process (embedded) or Redis (production)."""

from __future__ import annotations

from aristobot.bus.base import Bus, Subscription
from aristobot.bus.memory import InMemoryBus
from aristobot.bus.message import Channels, Message


def make_bus(redis_url: str | None, namespace: str = "") -> Bus:
    """Return a Redis bus when ``redis_url`` is set, else the in-process bus."""
    if redis_url:
        from aristobot.bus.redis_bus import RedisBus

        return RedisBus(redis_url, namespace=namespace)
    return InMemoryBus()


__all__ = ["Bus", "Channels", "InMemoryBus", "Message", "Subscription", "make_bus"]
