"""Login rate limiting: a few failures per client and per username, then a pause."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable

from aristobot.errors import TooManyAttempts


class LoginGuard:
    """Allows ``max_failures`` failed attempts per key within ``window_s`` seconds."""

    def __init__(
        self,
        max_failures: int = 5,
        window_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_failures
        self._window = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        q = self._failures[key]
        now = self._clock()
        while q and now - q[0] > self._window:
            q.popleft()
        return q

    def check(self, *keys: str) -> None:
        """Raise ``TooManyAttempts`` when any key is over its failure budget."""
        for key in keys:
            q = self._recent(key)
            if len(q) >= self._max:
                wait = int(self._window - (self._clock() - q[0])) + 1
                raise TooManyAttempts(seconds=wait)

    def failed(self, *keys: str) -> None:
        now = self._clock()
        for key in keys:
            self._recent(key).append(now)

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)
