"""The pool of isolated worker processes that runs all user code.

API (used by the strategies page, the backtest and the live engine)::

    pool = get_pool(runtime)        # runtime.components["strategy_pool"], closed with the runtime
    decision = await pool.decide(code, candles, balance, position, owner=user_id)  # -> Decision
    decisions = await pool.decide_batch([(code, candles, balance, position), ...], owner=user_id)
    notes = await pool.check(code, owner=user_id)  # build + call every method (validation)
    result = await pool.run_job("aristobot.backtest.job:run_job", kwargs, owner=user_id,
                                timeout_s=600, progress=on_fraction, cancel=cancel_event)

* Workers belong to ONE owner (user id; None for system calls): started lazily for that owner,
  reused only by that owner (their class cache too), killed when idle for ``idle_ttl_s`` or to
  make room for another owner. At most ``size`` workers per owner, ``max_workers`` in all.
* Jobs (backtests) use at most ``job_slots`` workers at once (default ``size - 1``, at least
  1), ``job_slots_per_owner`` of one owner, and the total leaves room for decisions, so a long
  backtest never blocks « Tester la syntaxe », the AI validation or live decisions. Jobs wait
  their turn in a fair queue (``job_queue``: round-robin across owners, no deadline, the
  position reported to ``queued``); decisions have no queue but a deadline
  (``acquire_timeout_s``): past it, ``PoolBusy`` (French).
* ``decide`` never raises for the strategy's own faults: invalid code, an exception (with the
  user's line), a time-out, exhausted memory, a dead process or a busy pool give
  ``Decision(Action.ERROR, error=<French text>)``.
* ``run_job`` imports ``func`` ("package.module:function", a top-level function of a module
  under ``job_modules`` declared with ``@job_result(codec)``) in a worker and calls
  ``function(**kwargs, report_progress=callable)``; kwargs must be picklable, the result is
  sent back through the declared codec, with caps derived from kwargs (``job_results``).
  Progress fractions (0..1) reach ``progress``. Setting
  ``cancel`` (also while queued) kills the worker and raises ``JobCancelled``; ``timeout_s``
  (the job's wall-clock and CPU cap, queue time excluded) kills it and raises ``JobTimeLimit``;
  a job exception raises ``JobFailed`` with its French message (an ``AristobotError`` raised by
  the job keeps its ``user_message()``); a crash ``StrategyCrashed``; ``MemoryError``
  ``StrategyMemoryExceeded``.

Workers are started with a scrubbed environment (no secret, no database URL), in bubblewrap's
namespaces, under a uid of their own without capabilities, fenced off the disk and TCP by
Landlock, with a seccomp filter (no sockets, no memfd), a process limit, a memory limit
(RLIMIT_AS) and a CPU limit per call (RLIMIT_CPU) on top of the wall-clock time-out (see
``sandbox`` and SECURITY.md). A worker that misbehaves is killed (with every process it
started) and replaced; other callers carry on. Candles travel as numpy
arrays; a batch sends each distinct candle frame once per worker.

Requests go to workers as pickles (the pool is trusted); replies come back as plain data and
are never unpickled: each request has a ``replies.ReplySpec`` (the kinds it admits, a size cap
derived from the request, the decoder of its result), and a reply that breaks it (wrong type,
oversized frame, excess nesting, unknown kind) kills the worker and becomes
``StrategyReplyRejected`` (French), like any other strategy fault.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aristobot.core.strategy_api import Action, Decision, Position
from aristobot.core.strategy_loader import code_hash
from aristobot.errors import (
    AristobotError,
    JobCancelled,
    JobFailed,
    JobTimeLimit,
    PoolBusy,
    PoolClosed,
    PoolStartFailed,
    StrategyError,
    StrategyTimeout,
)
from aristobot.runtime import Slot
from aristobot.strategies import messages, replies, sandbox
from aristobot.strategies.job_queue import JobQueue, PositionCallback
from aristobot.strategies.job_results import resolve
from aristobot.strategies.pool_workers import Worker, death_error, reply_error, start_worker
from aristobot.strategies.protocol import pack_candles
from aristobot.strategies.replies import ReplySpec
from aristobot.strategies.reply_codec import ReplyRejected

if TYPE_CHECKING:
    import pandas as pd

    from aristobot.config import Settings
    from aristobot.runtime import Runtime

log = logging.getLogger(__name__)
POOL: Slot[StrategyPool] = Slot("strategy_pool")

#: One decision request of a batch: (code, candles, balance, position).
DecisionRequest = tuple[str, "pd.DataFrame", float, Position | None]


class StrategyPool:
    """Per-owner reusable sandboxed worker processes (see the module docstring)."""

    def __init__(self, size: int = 2, *, memory_mb: int = 1024, call_timeout_s: float = 5.0,
                 secret_paths: tuple[Path, ...] = (), preload: tuple[str, ...] = (),
                 max_workers: int | None = None, acquire_timeout_s: float = 30.0,
                 idle_ttl_s: float = 600.0, job_modules: tuple[str, ...] = ("aristobot.",),
                 job_slots: int | None = None, job_slots_per_owner: int = 1,
                 job_queue_per_owner: int = 5) -> None:
        self.size = max(1, size)
        self.job_slots = max(1, job_slots or self.size - 1)
        # By default, busy job slots leave decisions the 3 workers they had with one slot.
        default = max(self.size + 2, self.job_slots + 3)
        self.max_workers = max(max_workers or default, self.job_slots + 1)
        self.jobs = JobQueue(self.job_slots, job_slots_per_owner, job_queue_per_owner)
        self.memory_mb = memory_mb
        self.call_timeout_s = call_timeout_s
        self.acquire_timeout_s = acquire_timeout_s
        self.idle_ttl_s = idle_ttl_s
        self.secret_paths = secret_paths
        self.preload = preload
        self.job_modules = job_modules
        self.sandbox_status: sandbox.SandboxStatus | None = None
        self.replaced = 0  # workers killed after a fault since start (for tests and status)
        self.started = 0  # workers started since start (for tests and status)
        self._closed = False
        self._workers: set[Worker] = set()
        self._idle: list[Worker] = []  # least recently used first
        self._spawning: dict[int | None, int] = {}
        self._waiting: dict[int | None, int] = {}
        self._failures: dict[int | None, int] = {}
        self._jobs = 0
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._reapers: set[asyncio.Task[None]] = set()  # killed workers being reaped

    @classmethod
    def from_settings(cls, settings: Settings) -> StrategyPool:
        secrets = [settings.var_dir, settings.var_dir / "secret_key"]
        if settings.database_url.startswith("sqlite"):
            secrets.append(Path(settings.database_url.split("///", 1)[-1]))
        # Every user keeps a decision worker while the backtest slots are busy: with fewer,
        # the owners' workers evict each other on every live signal (a restart each time).
        total = max(settings.strategy_workers + 2, settings.max_users + settings.backtest_slots)
        return cls(settings.strategy_workers, memory_mb=settings.strategy_memory_mb,
                   call_timeout_s=float(settings.strategy_call_timeout_s), max_workers=total,
                   secret_paths=tuple(secrets), job_slots=settings.backtest_slots,
                   job_slots_per_owner=settings.backtest_slots_per_user,
                   job_queue_per_owner=settings.backtest_queue_per_user)

    # --- lifecycle ----------------------------------------------------------------------------
    async def start(self, owner: int | None = None) -> None:
        """Warm one worker for ``owner`` now (it reports the sandbox status to the log)."""
        worker = await self._acquire(owner, job=False)
        self._release(worker, healthy=True)

    async def aclose(self) -> None:
        """Kill every worker; later calls raise ``PoolClosed``."""
        self._closed = True
        self.jobs.close()
        for task in list(self._tasks):
            task.cancel()
        for w in list(self._workers):
            self._kill(w)
        if self._reapers:
            await asyncio.gather(*self._reapers, return_exceptions=True)
        self._workers.clear()
        self._idle.clear()
        self._notify()

    def workers_of(self, owner: int | None) -> list[Worker]:
        """Return the live workers of ``owner`` (for tests and status)."""
        return [w for w in self._workers if w.owner == owner]

    def reap_idle(self, max_idle_s: float | None = None) -> int:
        """Kill workers idle for more than ``max_idle_s`` (default ``idle_ttl_s``); count them."""
        limit = self.idle_ttl_s if max_idle_s is None else max_idle_s
        now = asyncio.get_running_loop().time()
        stale = [w for w in self._idle if now - w.idle_since >= limit]
        for w in stale:
            self._discard(w)
        if stale:
            self._notify()
        return len(stale)

    # --- scheduling ---------------------------------------------------------------------------
    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    def _owned(self, owner: int | None) -> int:
        """Workers of ``owner`` that can serve decisions (live or starting, not in a job)."""
        live = sum(1 for w in self._workers if w.owner == owner and not w.in_job)
        return live + self._spawning.get(owner, 0)

    def _take_idle(self, owner: int | None) -> Worker | None:
        for w in reversed(self._idle):  # most recently used first: warmest caches
            if w.owner == owner:
                self._idle.remove(w)
                if w.alive:
                    return w
                self._discard(w)
                return self._take_idle(owner)
        return None

    def _maybe_spawn(self, owner: int | None) -> None:
        if self._spawning.get(owner, 0) >= self._waiting.get(owner, 0):
            return  # enough workers already starting for this owner's waiters
        if self._owned(owner) >= self.size:
            return
        if len(self._workers) + sum(self._spawning.values()) >= self.max_workers:
            others = [w for w in self._idle if w.owner != owner]
            if not others:
                return
            self._discard(others[0])  # the least recently used idle worker of another owner
        self._spawning[owner] = self._spawning.get(owner, 0) + 1
        task = asyncio.get_running_loop().create_task(self._spawn(owner))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _spawn(self, owner: int | None) -> None:
        roots = sandbox.readable_roots()
        config = {"memory_mb": self.memory_mb, "read_paths": roots,
                  "write_files": [Path(os.devnull)], "preload": self.preload,
                  "job_modules": self.job_modules}
        try:
            worker = await start_worker(owner, config, sandbox.scrubbed_env(os.environ))
        except Exception:
            # Counted as a start failure for this owner: after a few, callers get a French
            # « worker impossible à démarrer » instead of waiting; other owners go on.
            log.exception("could not start a strategy worker")
            self._failures[owner] = self._failures.get(owner, 0) + 1
            self._spawning[owner] -= 1
            self._notify()
            return
        except BaseException:
            self._spawning[owner] -= 1
            raise
        self._spawning[owner] -= 1
        if self._closed:
            self._kill(worker)
            return
        assert worker.status is not None
        self._report_sandbox(worker.status, roots)
        self.started += 1
        self._workers.add(worker)
        worker.idle_since = asyncio.get_running_loop().time()
        self._idle.append(worker)
        self._notify()

    def _report_sandbox(self, status: sandbox.SandboxStatus, roots: list[Path]) -> None:
        first = self.sandbox_status is None
        self.sandbox_status = status
        exposed = sandbox.forbidden_inside(roots, self.secret_paths)
        weak = status.weaknesses()
        if weak or exposed:
            log.error("STRATEGY SANDBOX WEAK: %s; secrets readable by workers: %s",
                      "; ".join(weak) or status.describe(), [str(p) for p in exposed] or "none")
        elif first:
            log.info("strategy workers sandboxed: %s, memory limit %s MB",
                     status.describe(), status.memory_mb)

    async def _acquire(self, owner: int | None, *, job: bool) -> Worker:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.acquire_timeout_s
        failures = self._failures.get(owner, 0)
        self._waiting[owner] = self._waiting.get(owner, 0) + 1
        try:
            while True:
                if self._closed:
                    raise PoolClosed()
                if self._failures.get(owner, 0) > failures:
                    raise PoolStartFailed()
                changed = self._changed
                if not job or self._jobs < self.job_slots:
                    worker = self._take_idle(owner)
                    if worker is not None:
                        worker.in_job = job
                        self._jobs += job
                        return worker
                    self._maybe_spawn(owner)
                remaining: float | None = deadline - loop.time()
                if remaining is not None and remaining <= 0:
                    # A worker of this owner still starting is not a busy pool: its start is
                    # bounded (START_TIMEOUT_S) and ends in a worker or a counted failure.
                    if not self._spawning.get(owner, 0):
                        raise PoolBusy(seconds=f"{self.acquire_timeout_s:g}")
                    remaining = None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)
        finally:
            self._waiting[owner] -= 1

    def _kill(self, worker: Worker) -> None:
        worker.kill()
        if worker.reaper is not None and not worker.reaper.done():
            self._reapers.add(worker.reaper)
            worker.reaper.add_done_callback(self._reapers.discard)

    def _discard(self, worker: Worker) -> None:
        self._kill(worker)
        self._workers.discard(worker)
        if worker in self._idle:
            self._idle.remove(worker)

    def _release(self, worker: Worker, healthy: bool) -> None:
        if worker.in_job:
            worker.in_job = False
            self._jobs -= 1
        if healthy and worker.alive and not self._closed:
            worker.idle_since = asyncio.get_running_loop().time()
            self._idle.append(worker)
        else:
            self._discard(worker)
            self.replaced += not self._closed
        self._notify()

    # --- one exchange with a worker -----------------------------------------------------------
    async def _exchange(self, worker: Worker, message: tuple[Any, ...], spec: ReplySpec,
                        timeout_s: float, progress: Callable[[float], None] | None,
                        cancel: asyncio.Event | None) -> tuple[Any, ...]:
        """Send one request and wait for its final reply, decoded against ``spec``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        try:
            # A live worker that stops reading its requests (user code blocked after forging
            # its reply) fills the pipe: the send is bounded by the call's deadline too.
            async with asyncio.timeout_at(deadline):
                await worker.send(message)
        except TimeoutError:
            raise StrategyTimeout(seconds=f"{timeout_s:g}") from None
        except ConnectionError as e:  # it died while idle or while we were writing
            raise await death_error(worker, e, self.memory_mb) from None
        while True:
            reply = await self._next_reply(worker, spec, deadline, timeout_s, cancel)
            if reply[0] != "progress":
                return reply
            if progress is not None:
                try:
                    progress(float(reply[1]))
                except Exception:
                    # The caller's display hook (a progress bar) must not abort the job it
                    # only reports on; the job's own result still decides its outcome.
                    log.exception("progress callback failed")

    async def _next_reply(self, worker: Worker, spec: ReplySpec, deadline: float,
                          timeout_s: float, cancel: asyncio.Event | None) -> tuple[Any, ...]:
        try:
            if cancel is None:  # the common, cheap path: no extra task
                async with asyncio.timeout_at(deadline):
                    return await worker.receive(spec)
            return await self._reply_or_cancel(worker, spec, deadline, cancel)
        except TimeoutError:
            raise StrategyTimeout(seconds=f"{timeout_s:g}") from None
        except (asyncio.IncompleteReadError, ConnectionError, ReplyRejected) as e:
            raise await death_error(worker, e, self.memory_mb) from None

    async def _reply_or_cancel(self, worker: Worker, spec: ReplySpec, deadline: float,
                               cancel: asyncio.Event) -> tuple[Any, ...]:
        read = asyncio.ensure_future(worker.receive(spec))
        watcher = asyncio.ensure_future(cancel.wait())
        try:
            remaining = max(deadline - asyncio.get_running_loop().time(), 0.0)
            done, _ = await asyncio.wait({read, watcher}, timeout=remaining,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            for f in (read, watcher):
                if not f.done():
                    f.cancel()
        if read in done:
            return read.result()
        if watcher in done:
            raise JobCancelled()
        raise TimeoutError

    async def _call(self, owner: int | None, build: Callable[[Worker, bool], tuple[Any, ...]],
                    spec: ReplySpec, timeout_s: float,
                    progress: Callable[[float], None] | None = None,
                    cancel: asyncio.Event | None = None, *, job: bool = False) -> tuple[Any, ...]:
        worker = await self._acquire(owner, job=job)
        healthy = False
        try:
            reply = await self._exchange(worker, build(worker, False), spec, timeout_s, progress,
                                         cancel)
            if reply[0] == "need_code":
                reply = await self._exchange(worker, build(worker, True), spec, timeout_s,
                                             progress, cancel)
            healthy = not (reply[0] == "err" and reply[1] in {"memory", "protocol"})
            return reply
        finally:
            self._release(worker, healthy)

    # --- public calls -------------------------------------------------------------------------
    async def decide(self, code: str, candles: pd.DataFrame, balance: float,
                     position: Position | None, *, owner: int | None) -> Decision:
        """Return the strategy's decision on ``candles`` (never raises for its own faults)."""
        key, packed = code_hash(code), pack_candles(candles)

        def build(worker: Worker, force: bool) -> tuple[Any, ...]:
            return ("decide", key, _code_for(worker, key, code, force), packed, float(balance),
                    position, self.call_timeout_s)

        try:
            reply = await self._call(owner, build, replies.DECISION, self.call_timeout_s)
        except PoolClosed:
            raise
        except StrategyError as e:
            return Decision(Action.ERROR, error=e.user_message())
        return _decision(reply, self.memory_mb)

    async def decide_batch(self, requests: Sequence[DecisionRequest], *,
                           owner: int | None) -> list[Decision]:
        """Decide many strategies of ``owner`` at once: one message per worker used, each
        distinct candle frame sent once per message. Same results as ``decide`` one by one."""
        if not requests:
            return []
        chunks = max(1, min(self.size, len(requests)))
        parts = [list(range(i, len(requests), chunks)) for i in range(chunks)]
        results = await asyncio.gather(*(self._decide_part(requests, p, owner) for p in parts))
        out: list[Decision] = [Decision(Action.NONE)] * len(requests)
        for part, decisions in zip(parts, results, strict=True):
            for i, d in zip(part, decisions, strict=True):
                out[i] = d
        return out

    async def _decide_part(self, requests: Sequence[DecisionRequest], part: list[int],
                           owner: int | None) -> list[Decision]:
        frames: dict[int, int] = {}
        packed: list[tuple[Any, ...]] = []
        items = []
        for i in part:
            code, candles, balance, position = requests[i]
            if id(candles) not in frames:
                frames[id(candles)] = len(packed)
                packed.append(pack_candles(candles))
            items.append((code_hash(code), code, frames[id(candles)], float(balance), position))
        timeout = self.call_timeout_s * len(items)

        def build(worker: Worker, force: bool) -> tuple[Any, ...]:
            sent = [(k, _code_for(worker, k, c, force), f, b, p) for k, c, f, b, p in items]
            return ("decide_many", sent, packed, self.call_timeout_s)

        try:
            reply = await self._call(owner, build, replies.decisions_spec(len(items)), timeout)
        except PoolClosed:
            raise
        except StrategyError as e:
            return [Decision(Action.ERROR, error=e.user_message())] * len(items)
        if reply[0] != "ok":
            return [_decision(reply, self.memory_mb)] * len(items)
        return [_decision(r, self.memory_mb) for r in reply[1]]

    async def check(self, code: str, candles: pd.DataFrame | None = None,
                    balance: float = 10_000.0, *, owner: int | None) -> list[str]:
        """Build the strategy on sample candles and call every method once (validation run).

        Returns French notes; raises the strategy's error (with its line) otherwise.
        """
        if candles is None:
            from aristobot.strategies.samples import sample_candles

            candles = sample_candles()
        key, packed = code_hash(code), pack_candles(candles)

        def build(worker: Worker, force: bool) -> tuple[Any, ...]:
            return ("check", key, _code_for(worker, key, code, force), packed, float(balance),
                    self.call_timeout_s)

        reply = await self._call(owner, build, replies.NOTES, self.call_timeout_s)
        if reply[0] == "ok":
            return list(reply[1])
        raise reply_error(reply, self.memory_mb)

    async def run_job(self, func: str, kwargs: dict[str, Any], *, owner: int | None,
                      timeout_s: float, progress: Callable[[float], None] | None = None,
                      cancel: asyncio.Event | None = None,
                      queued: PositionCallback | None = None) -> Any:
        """Run ``func(**kwargs, report_progress=...)`` in a worker (see the module docstring).

        The job first waits its turn in ``jobs`` (``queued`` gets its position while it waits;
        ``progress(0.0)`` tells it started after waiting)."""
        try:
            _, codec = resolve(func, self.job_modules)
        except (ValueError, ImportError) as e:
            raise JobFailed(reason=messages.unknown_job(func)) from e
        ticket = await self.jobs.admit(owner, cancel=cancel, on_position=queued)

        def build(_worker: Worker, _force: bool) -> tuple[Any, ...]:
            return ("job", func, kwargs, timeout_s)

        try:
            if ticket.last is not None and progress is not None:
                progress(0.0)
            reply = await self._call(owner, build, replies.job_spec(codec, kwargs), timeout_s,
                                     progress, cancel, job=True)
        except StrategyTimeout:  # the wall clock or the CPU limit (both ``timeout_s``)
            raise JobTimeLimit(seconds=f"{timeout_s:g}") from None
        finally:
            self.jobs.release(ticket)
        if reply[0] == "ok":
            return reply[1]
        raise reply_error(reply, self.memory_mb)


def _code_for(worker: Worker, key: str, code: str, force: bool) -> str | None:
    """Return ``code`` when ``worker`` has not loaded it yet (else None: it uses its cache)."""
    send = force or key not in worker.known
    worker.known.add(key)
    return code if send else None


def _decision(reply: tuple[Any, ...], memory_mb: int) -> Decision:
    if reply[0] == "ok" and isinstance(reply[1], Decision):
        return reply[1]
    return Decision(Action.ERROR, error=reply_error(reply, memory_mb).user_message())


def get_pool(runtime: Runtime) -> StrategyPool:
    """Return the process's pool (created on first use, closed with the runtime)."""
    pool = runtime.get(POOL)
    if pool is None:
        pool = runtime.provide(POOL, lambda: StrategyPool.from_settings(runtime.settings))
        runtime.on_close(pool.aclose)
    return pool


async def serve(runtime: Runtime, *, reap_every_s: float = 60.0) -> None:
    """Embedded service: check the sandbox early, then reap idle workers until cancelled."""
    pool = get_pool(runtime)
    try:
        await pool.start()
    except AristobotError as e:
        log.error("strategy pool could not start a worker: %s", e)
    while True:
        await asyncio.sleep(reap_every_s)
        pool.reap_idle()
