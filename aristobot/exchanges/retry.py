"""Capped exponential backoff for transient exchange errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from aristobot.errors import TemporaryError

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry a :class:`TemporaryError`."""

    attempts: int = 4  # total calls, the first one included
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0

    def delay(self, attempt: int) -> float:
        """Return the pause after failed call number ``attempt`` (1-based), capped."""
        return float(min(self.max_delay_s, self.base_delay_s * (2 ** (attempt - 1))))


NO_WAIT = RetryPolicy(attempts=3, base_delay_s=0.0, max_delay_s=0.0)


async def with_retry(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    what: str,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run ``call``; retry it on :class:`TemporaryError` only, with capped backoff."""
    attempt = 1
    while True:
        try:
            return await call()
        except TemporaryError as e:
            if attempt >= policy.attempts:
                raise
            pause = policy.delay(attempt)
            log.warning("%s failed (%s), retry %d/%d in %.1fs", what, e, attempt,
                        policy.attempts - 1, pause)
            await sleep(pause)
            attempt += 1
