"""Login rate limiting that a stranger cannot turn into a lock-out of the account's owner.

Policy (failures counted over a sliding window of ``window_s`` seconds, default 15 min):

- from an **unknown device** (no valid device cookie for this username), a login is refused when
  the client address has ``per_ip`` failures (any usernames: stops password spraying), or this
  (address, username) pair has ``per_pair`` failures, or the username has ``per_user`` failures
  from unknown devices anywhere (stops a distributed guess on one account);
- from a **known device** (a signed device cookie the server set after a successful login of this
  username, see ui/auth/handlers.py) only that device's own ``per_pair`` budget applies: the
  owner logs in even while a stranger hammers the account or shares the owner's address;
- a success clears only the (address, username) pair and the device's counters: it never clears
  the address counter (an attacker logging into its own account does not earn new guesses on
  others) nor the username counter;
- signups are counted per address (every attempt, success or not): ``per_ip_signups`` per window.
  A signup says whether a username is taken: that is the enumeration this rate limit bounds.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from aristobot.errors import TooManyAttempts

_MAX_KEYS = 50_000  # bound memory when an attacker varies usernames or addresses


class LoginGuard:
    """In-memory sliding-window failure counters (one dashboard process)."""

    def __init__(
        self,
        *,
        per_pair: int = 5,
        per_user: int = 10,
        per_ip: int = 20,
        per_ip_signups: int = 10,
        window_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {"pair": per_pair, "user": per_user, "ip": per_ip, "dev": per_pair,
                        "signup": per_ip_signups}
        self._window = window_s
        self._clock = clock
        self._events: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        q = self._events.get(key)
        if q is None:
            if len(self._events) >= _MAX_KEYS:
                self._prune()
            q = self._events[key] = deque()
        now = self._clock()
        while q and now - q[0] > self._window:
            q.popleft()
        return q

    def _prune(self) -> None:
        now = self._clock()
        for key in [k for k, q in self._events.items() if not q or now - q[-1] > self._window]:
            del self._events[key]

    def _check(self, keys: list[str]) -> None:
        for key in keys:
            q = self._recent(key)
            if len(q) >= self._limits[key.split(":", 1)[0]]:
                raise TooManyAttempts(seconds=int(self._window - (self._clock() - q[0])) + 1)

    @staticmethod
    def _keys(ip: str, username: str, device: str | None) -> list[str]:
        if device:
            return [f"dev:{device}"]
        user = username.strip().lower()
        return [f"ip:{ip}", f"pair:{ip}:{user}", f"user:{user}"]

    def check(self, *, ip: str, username: str, device: str | None = None) -> None:
        """Raise ``TooManyAttempts`` when this login attempt is over budget.

        ``device`` is the id of a device cookie verified to belong to ``username`` (or None).
        """
        self._check(self._keys(ip, username, device))

    def failed(self, *, ip: str, username: str, device: str | None = None) -> None:
        now = self._clock()
        for key in self._keys(ip, username, device):
            self._recent(key).append(now)

    def succeeded(self, *, ip: str, username: str, device: str | None = None) -> None:
        user = username.strip().lower()
        for key in (f"pair:{ip}:{user}", f"dev:{device}" if device else ""):
            self._events.pop(key, None)

    def signup_attempt(self, *, ip: str) -> None:
        """Count a signup attempt; raise ``TooManyAttempts`` past the per-address budget."""
        self._check([f"signup:{ip}"])
        self._recent(f"signup:{ip}").append(self._clock())
