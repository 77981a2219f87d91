"""One ordered background writer: the event loop never waits for the database."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

T = TypeVar("T")
Job = Callable[[Session], Any]
After = Callable[[], Awaitable[None]]


class Persister:
    """Queue ``fn(session, *args)`` jobs; run every queued job in one transaction, in order.

    A failing batch is logged and counted, then retried job by job so that one bad row never
    drops the others; nothing raises into the service's hot path. ``after(fn)`` runs ``fn()`` on
    the event loop once everything queued before it is committed (publications that readers of
    the database must not see early), in submission order.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._jobs: deque[Job] = deque()
        self._afters: deque[After] = deque()
        self._after_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._inflight: asyncio.Future[None] | None = None
        self.batches = 0
        self.failures = 0

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Queue a write (never blocks)."""
        self._jobs.append(partial(_apply, fn, args, kwargs))
        self._wake.set()

    def after(self, fn: After) -> None:
        """Run ``fn()`` once every job submitted so far is written (never blocks)."""
        self._afters.append(fn)
        self._wake.set()

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run one job now in its own transaction (after the queued ones) and return its result."""
        await self.flush()

        def job() -> T:
            with self._sessions.begin() as s:
                return fn(s, *args)

        return await asyncio.to_thread(job)

    async def run(self) -> None:
        """Write queued jobs until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        """Write everything queued so far, then run the callbacks waiting for it."""
        if self._inflight is not None and not self._inflight.done():
            await asyncio.wait([self._inflight])
        jobs = list(self._jobs)
        self._jobs.clear()
        afters = list(self._afters)
        self._afters.clear()
        if jobs:
            loop = asyncio.get_running_loop()
            self._inflight = loop.run_in_executor(None, self._write, jobs)
            await asyncio.shield(self._inflight)
        if afters:
            async with self._after_lock:  # FIFO: batches' callbacks stay in order
                for fn in afters:
                    try:
                        await fn()
                    except Exception:  # noqa: BLE001 - a callback must never kill the writer
                        log.exception("heartbeat post-write callback failed")

    def _write(self, jobs: list[Job]) -> None:
        try:
            with self._sessions.begin() as s:
                for job in jobs:
                    job(s)
            self.batches += 1
            return
        except Exception as e:  # noqa: BLE001 - a write must never kill the service
            log.error("heartbeat batch write failed (%s); retrying job by job", e)
        for job in jobs:
            try:
                with self._sessions.begin() as s:
                    job(s)
            except Exception:  # noqa: BLE001
                self.failures += 1
                log.exception("heartbeat write dropped")

    async def close(self, final: Callable[..., Any] | None = None, *args: Any) -> None:
        """Write what is queued, then ``final(session, *args)`` (e.g. the stop time)."""
        if final is not None:
            self.submit(final, *args)
        for _ in range(3):  # a cancellation may interrupt a wait; the writes must still land
            try:
                await self.flush()
                return
            except asyncio.CancelledError:
                continue


def _apply(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], s: Session
) -> Any:
    return fn(s, *args, **kwargs)
