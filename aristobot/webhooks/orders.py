"""The order process: places the orders of accepted alerts, away from the receivers.

Receivers only store and answer. An :class:`OrderRunner` (``python -m services.webhooks
--role orders``, or the child process that the dashboard and ``--role all`` start) claims
accepted rows from the database, a few at a time, oldest first. It is woken by the bus
(topic :data:`TOPIC`, published by the receivers after an answer) or through its stdin by
the process that started it, and polls the database anyway, so an alert is never forgotten
when a message is missed or a process restarts. Claims older than the lease are taken over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from aristobot.config import child_env
from aristobot.runtime import Runtime, Slot
from aristobot.webhooks import claims
from aristobot.webhooks import messages as msg
from aristobot.webhooks.claims import Claimed
from aristobot.webhooks.processor import WebhookProcessor

log = logging.getLogger(__name__)
TOPIC = "Webhooks"  # bus topic: an alert was accepted (wakes the order processes)
ROOT = Path(__file__).resolve().parents[2]
BATCH = 8  # alerts claimed at once by a process (its slots take them one by one)
CLOSE_AT = 16  # finished alerts closed together ...
CLOSE_EVERY_S = 0.05  # ... or after this delay


def _number(extra: Mapping[str, str], key: str, default: float, minimum: float) -> float:
    raw = extra.get(key, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        from aristobot.errors import ConfigError

        raise ConfigError(key=key, reason=msg.NUMBER_EXPECTED.format(raw=raw)) from None
    return max(value, minimum)


@dataclass(frozen=True, slots=True)
class OrderSettings:
    slots: int = 4  # orders under way at once in one process
    poll_s: float = 1.0  # database poll when no wake-up arrives
    lease_s: float = 120.0  # a claim older than this belongs to a stopped process
    max_age_s: float = 120.0  # an alert waiting longer is closed unsent (a late order is a risk)

    @classmethod
    def from_extra(cls, extra: Mapping[str, str]) -> OrderSettings:
        return cls(
            slots=int(_number(extra, "ARISTOBOT_WEBHOOK_ORDER_SLOTS", 4, 1)),
            poll_s=_number(extra, "ARISTOBOT_WEBHOOK_POLL_S", 1.0, 0.05),
            lease_s=_number(extra, "ARISTOBOT_WEBHOOK_CLAIM_LEASE_S", 120.0, 5),
            max_age_s=_number(extra, "ARISTOBOT_WEBHOOK_ORDER_MAX_AGE_S", 120.0, 1))


class OrderRunner:
    """Claims accepted alerts and places their orders (one per process run, any number of
    processes)."""

    def __init__(self, runtime: Runtime, cfg: OrderSettings | None = None,
                 owner: str | None = None) -> None:
        self.runtime = runtime
        self.cfg = cfg or OrderSettings.from_extra(runtime.settings.extra)
        self.owner = owner or claims.new_owner()
        self.processor = WebhookProcessor(runtime, timedelta(seconds=self.cfg.max_age_s),
                                          timedelta(seconds=self.cfg.lease_s), self._closed)
        self._queue: deque[Claimed] = deque()  # claimed here, not started yet
        self._outcomes: list[claims.Outcome] = []  # rows to close (one transaction for several)
        self._wake: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None
        self._stopping = False

    def _event(self) -> asyncio.Event:
        if self._wake is None:
            self._wake = asyncio.Event()
        return self._wake

    def wake(self) -> None:
        """New alerts may be waiting (call on the runner's loop)."""
        self._event().set()

    def _closed(self, outcome: claims.Outcome) -> None:
        self._outcomes.append(outcome)
        if len(self._outcomes) >= CLOSE_AT:
            self.flush()

    def flush(self) -> None:
        """Close the finished alerts' rows (one transaction)."""
        outcomes, self._outcomes = self._outcomes, []
        try:
            kept = claims.finish(self.runtime.sessions, self.owner, outcomes)
        except SQLAlchemyError:  # their trades tell the outcome: the take-over closes them
            log.exception("webhook orders: %d row(s) not closed", len(outcomes))
            return
        if kept != len(outcomes):
            log.warning("webhook orders: %d alert(s) taken over before they were closed",
                        len(outcomes) - kept)

    def _next(self) -> Claimed | None:
        if not self._queue:
            self._queue.extend(claims.claim_next(self.runtime.sessions, self.owner, BATCH))
        return self._queue.popleft() if self._queue else None

    async def run_pending(self) -> int:
        """Place the orders of every alert claimable now, one after the other; return how many."""
        done = 0
        while (job := self._next()) is not None:
            await self._handle(job)
            done += 1
        self.flush()
        return done

    async def take_over(self) -> int:
        """Reconcile alerts whose claim outlived the lease (their process stopped)."""
        lease = timedelta(seconds=self.cfg.lease_s)
        done = 0
        while jobs := claims.claim_stale(self.runtime.sessions, self.owner, lease):
            for job in jobs:
                await self._handle(job)
                done += 1
        self.flush()
        return done

    async def _handle(self, job: Claimed) -> None:
        try:
            await self.processor.handle(job)
        except Exception:  # the database went away mid-way: the lease brings the alert back
            log.exception("webhook %s: order not completed", job.id)

    async def serve(self) -> None:
        """Claim and place orders until cancelled; the orders under way then finish."""
        tasks = [asyncio.create_task(self._slot(), name=f"webhook-orders-{i}")
                 for i in range(self.cfg.slots)]
        tasks.append(asyncio.create_task(self._take_over_loop(), name="webhook-takeover"))
        tasks.append(asyncio.create_task(self._flush_loop(), name="webhook-close"))
        tasks.append(asyncio.create_task(self._listen(), name="webhook-wake"))
        log.info("webhook orders: %s, %d slot(s)", self.owner, self.cfg.slots)
        try:
            await asyncio.wait(tasks)  # unlike gather, a cancelled wait leaves them running
        finally:
            self._stopping = True
            self._event().set()
            self._stop_event().set()
            _, late = await asyncio.wait(tasks[:-1], timeout=30)
            for t in (*late, tasks[-1]):
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            try:
                claims.release(self.runtime.sessions, self.owner, [j.id for j in self._queue])
            except SQLAlchemyError:  # the lease brings them back
                log.exception("webhook orders: claims not released")
            self._queue.clear()
            self.flush()

    def _stop_event(self) -> asyncio.Event:
        if self._stop is None:
            self._stop = asyncio.Event()
        return self._stop

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event().wait(), seconds)

    async def _slot(self) -> None:
        while not self._stopping:
            self._event().clear()  # before the claim: a wake-up from now on is not missed
            try:
                job = self._next()
            except SQLAlchemyError:
                log.exception("webhook orders: cannot claim (database unavailable?)")
                job = None
            if job is None:
                await self._wait(self.cfg.poll_s)
                continue
            await self._handle(job)

    async def _take_over_loop(self) -> None:
        period = max(1.0, self.cfg.lease_s / 4)
        while not self._stopping:
            try:
                await self.take_over()
            except SQLAlchemyError:
                log.exception("webhook orders: cannot take over stale claims")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop_event().wait(), period)

    async def _flush_loop(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop_event().wait(), CLOSE_EVERY_S)
            self.flush()

    async def _listen(self) -> None:
        sub = await self.runtime.bus.subscribe(TOPIC, maxsize=100)
        try:
            async for _ in sub:
                self._event().set()
        finally:
            await sub.close()

    def wake_on_stdin(self, on_eof: Callable[[], object]) -> None:
        """Wake on every byte read from stdin (written by the parent process); at its end
        (the parent is gone) call ``on_eof`` on the loop."""
        loop = asyncio.get_running_loop()

        def read() -> None:
            while True:
                try:
                    data = os.read(sys.stdin.fileno(), 4096)
                except OSError:
                    data = b""
                if not data:
                    loop.call_soon_threadsafe(on_eof)
                    return
                loop.call_soon_threadsafe(self.wake)

        threading.Thread(target=read, name="webhook-wake-stdin", daemon=True).start()


# --- the order process started by a receiver process ------------------------------------------

class OrderChild:
    """A ``python -m services.webhooks --role orders`` child, restarted if it dies."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.proc: asyncio.subprocess.Process | None = None
        self._waking = False

    def wake(self) -> None:
        """Tell the child that an alert was stored (one byte, coalesced; never blocks)."""
        proc = self.proc
        if proc is None or proc.stdin is None or self._waking or proc.returncode is not None:
            return
        self._waking = True
        try:
            proc.stdin.write(b"w")
        except (OSError, RuntimeError):
            pass
        asyncio.get_running_loop().call_later(0.005, self._rearm)

    def _rearm(self) -> None:
        self._waking = False

    async def serve(self) -> None:
        """Run the child until cancelled; then stop it gracefully (SIGTERM)."""
        try:
            while True:
                self.proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "services.webhooks", "--role", "orders",
                    "--wake-stdin", cwd=ROOT, env=child_env(self.runtime.settings),
                    stdin=asyncio.subprocess.PIPE)
                code = await self.proc.wait()
                log.error("webhook order process exited (code %s); restarting", code)
                await asyncio.sleep(2)
        finally:
            await self._stop()

    async def _stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.returncode is not None:
            return
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 40)
        except TimeoutError:
            proc.kill()
            await proc.wait()


#: What the receivers of this process call after storing an accepted alert.
WAKERS: Slot[list[Callable[[], None]]] = Slot("webhook_wakers")


def add_waker(runtime: Runtime, fn: Callable[[], None]) -> None:
    """Register a callable that the receivers call after storing an accepted alert."""
    runtime.provide(WAKERS, list).append(fn)


async def serve_embedded(runtime: Runtime) -> None:
    """Embedded service of the dashboard: the order process as a child of this one."""
    child = OrderChild(runtime)
    add_waker(runtime, child.wake)
    await child.serve()
