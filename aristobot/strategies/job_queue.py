"""The fair queue in front of the pool's job slots (backtests).

API (used by ``StrategyPool.run_job``)::

    queue = JobQueue(slots=2, per_owner=1, max_waiting=5)
    ticket = await queue.admit(owner, cancel=event, on_position=callback)  # waits its turn
    try:
        ...                                   # run the job on a worker
    finally:
        queue.release(ticket)

* At most ``slots`` jobs run at once (all owners together) and at most ``per_owner`` of one
  owner: a user with ten backtests queued holds ``per_owner`` slots, never all of them.
* Free slots go round-robin across owners: the owner served least recently comes first (an
  owner with nothing running and nothing waiting starts afresh); ties go to the oldest request.
  So user A's tenth backtest never passes user B's first one.
* Waiting has no deadline (a job waits instead of failing): ``cancel`` removes it from the
  queue (``JobCancelled``), so does cancelling the awaiting task; ``close`` fails every waiter
  with ``PoolClosed``. An owner may have at most ``max_waiting`` jobs waiting
  (``JobQueueFull``, French).
* ``on_position(QueuePosition)`` is called whenever a waiting job's place changes (1 = next to
  start), computed by playing the round-robin forward. ``waiting_for_own`` says the owner's own
  running jobs hold its slots (its next job starts when one of them ends).

Pure asyncio: no worker, no I/O. Everything runs on the pool's event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from aristobot.errors import JobCancelled, JobQueueFull, PoolClosed

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QueuePosition:
    """Where a waiting job stands."""

    position: int  # 1 = the next job to start
    waiting_for_own: bool  # the owner's running jobs hold all of its slots


PositionCallback = Callable[[QueuePosition], None]


class JobTicket:
    """One job's place: waiting, then granted (running), then released."""

    __slots__ = ("owner", "seq", "granted", "released", "last", "_event", "_on_position")

    def __init__(self, owner: int | None, seq: int,
                 on_position: PositionCallback | None) -> None:
        self.owner = owner
        self.seq = seq
        self.granted = False
        self.released = False
        self.last: QueuePosition | None = None  # last position announced (None: never waited)
        self._event = asyncio.Event()
        self._on_position = on_position


class JobQueue:
    """Fair admission to ``slots`` job slots (see the module docstring)."""

    def __init__(self, slots: int, per_owner: int = 1, max_waiting: int = 5) -> None:
        self.slots = max(1, slots)
        self.per_owner = max(1, per_owner)
        self.max_waiting = max(1, max_waiting)
        self._waiting: dict[int | None, deque[JobTicket]] = {}
        self._running: dict[int | None, int] = {}
        self._served: dict[int | None, int] = {}  # owner -> grant number of its last start
        self._grants = 0
        self._seq = 0
        self._closed = False

    # --- state (tests and status) --------------------------------------------------------------
    @property
    def running(self) -> int:
        return sum(self._running.values())

    def running_of(self, owner: int | None) -> int:
        return self._running.get(owner, 0)

    def waiting_of(self, owner: int | None) -> int:
        return len(self._waiting.get(owner, ()))

    @property
    def waiting(self) -> int:
        return sum(len(q) for q in self._waiting.values())

    # --- admission -----------------------------------------------------------------------------
    async def admit(self, owner: int | None, *, cancel: asyncio.Event | None = None,
                    on_position: PositionCallback | None = None) -> JobTicket:
        """Wait for a slot for ``owner``'s job; return its ticket (to ``release`` after)."""
        if self._closed:
            raise PoolClosed()
        if cancel is not None and cancel.is_set():
            raise JobCancelled()
        queue = self._waiting.setdefault(owner, deque())
        if len(queue) >= self.max_waiting:
            raise JobQueueFull(count=self.max_waiting)
        self._seq += 1
        ticket = JobTicket(owner, self._seq, on_position)
        queue.append(ticket)
        self._dispatch()
        if ticket.granted:
            return ticket
        self._announce()
        try:
            await self._wait(ticket, cancel)
        except BaseException:
            self._withdraw(ticket)
            raise
        return ticket

    async def _wait(self, ticket: JobTicket, cancel: asyncio.Event | None) -> None:
        waits = [asyncio.ensure_future(ticket._event.wait())]
        if cancel is not None:
            waits.append(asyncio.ensure_future(cancel.wait()))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
        if cancel is not None and cancel.is_set():
            raise JobCancelled()
        if not ticket.granted:
            raise PoolClosed()

    def release(self, ticket: JobTicket) -> None:
        """Give the slot of a granted ticket back (idempotent) and start the next job."""
        if not ticket.granted or ticket.released:
            return
        ticket.released = True
        self._running[ticket.owner] -= 1
        if not self._running[ticket.owner]:
            del self._running[ticket.owner]
        self._forget_if_idle(ticket.owner)
        self._dispatch()
        self._announce()

    def close(self) -> None:
        """Fail every waiting job with ``PoolClosed``; later ``admit`` calls raise it too."""
        self._closed = True
        for queue in self._waiting.values():
            for ticket in queue:
                ticket._event.set()
        self._waiting.clear()

    def _withdraw(self, ticket: JobTicket) -> None:
        """Take a ticket out (cancelled, closed, or its task cancelled): nothing stays behind."""
        if ticket.granted:
            self.release(ticket)
            return
        queue = self._waiting.get(ticket.owner)
        if queue is not None and ticket in queue:
            queue.remove(ticket)
            if not queue:
                del self._waiting[ticket.owner]
        self._forget_if_idle(ticket.owner)
        self._announce()

    def _forget_if_idle(self, owner: int | None) -> None:
        if owner not in self._running and owner not in self._waiting:
            self._served.pop(owner, None)

    # --- round-robin ---------------------------------------------------------------------------
    def _dispatch(self) -> None:
        while not self._closed and self.running < self.slots:
            eligible = [o for o in self._waiting if self.running_of(o) < self.per_owner]
            if not eligible:
                return
            owner = min(eligible, key=lambda o: self._turn(o, self._served))
            queue = self._waiting[owner]
            ticket = queue.popleft()
            if not queue:
                del self._waiting[owner]
            self._grants += 1
            self._served[owner] = self._grants
            self._running[owner] = self._running.get(owner, 0) + 1
            ticket.granted = True
            ticket._event.set()

    def _turn(self, owner: int | None, served: dict[int | None, int],
              index: int = 0) -> tuple[int, int]:
        # Least recently served owner first, then the oldest waiting request.
        return served.get(owner, 0), self._waiting[owner][index].seq

    def order(self) -> list[JobTicket]:
        """Return the waiting tickets in the order they would start (round-robin played on)."""
        served = dict(self._served)
        taken = dict.fromkeys(self._waiting, 0)
        grants = self._grants
        out: list[JobTicket] = []
        while True:
            left = [o for o in taken if taken[o] < len(self._waiting[o])]
            if not left:
                return out
            owner = min(left, key=lambda o: self._turn(o, served, taken[o]))
            out.append(self._waiting[owner][taken[owner]])
            taken[owner] += 1
            grants += 1
            served[owner] = grants

    def _announce(self) -> None:
        for i, ticket in enumerate(self.order(), start=1):
            where = QueuePosition(i, self.running_of(ticket.owner) >= self.per_owner)
            if where == ticket.last:
                continue
            ticket.last = where
            if ticket._on_position is None:
                continue
            try:
                ticket._on_position(where)
            except Exception:
                # A waiting job's display hook must not break the queue for the others.
                log.exception("queue position callback failed")
