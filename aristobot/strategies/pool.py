"""The pool of isolated worker processes that runs all user code.

API (used by the strategies page, the backtest and the live engine)::

    pool = get_pool(runtime)        # runtime.components["strategy_pool"], closed with the runtime
    decision = await pool.decide(code, candles, balance, position)          # -> Decision
    notes = await pool.check(code)  # build + call every method on sample candles (validation)
    result = await pool.run_job("aristobot.backtest.job:run_job", kwargs, timeout_s=600,
                                progress=on_fraction, cancel=cancel_event)

* ``decide`` never raises for the strategy's own faults: invalid code, an exception (with the
  user's line), a time-out, exhausted memory or a dead process give
  ``Decision(Action.ERROR, error=<French text>)``.
* ``run_job`` imports ``func`` ("aristobot.package.module:function", a top-level function) in a
  worker and calls ``function(**kwargs, report_progress=callable)``; kwargs and the result must be
  picklable. Progress fractions (0..1) reach ``progress`` while the job runs. Setting ``cancel``
  kills the worker and raises ``JobCancelled``; ``timeout_s`` (wall clock, per job) raises
  ``StrategyTimeout``; a job exception raises ``JobFailed`` with its French message (an
  ``AristobotError`` raised by the job keeps its ``user_message()``); a crash ``StrategyCrashed``;
  ``MemoryError`` ``StrategyMemoryExceeded``.

Workers are started with a scrubbed environment (no secret, no database URL), fenced off the
disk and the network by Landlock (see ``sandbox``), with a memory limit (RLIMIT_AS) and a CPU
limit per call (RLIMIT_CPU) on top of the wall-clock time-out. A worker that misbehaves is
killed (its whole process group) and replaced; other callers carry on. Workers are reused and
cache loaded strategy classes by code hash, so repeated decisions do not re-``exec``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aristobot.core.strategy_api import Action, Decision, Position
from aristobot.core.strategy_loader import code_hash
from aristobot.errors import (
    AristobotError,
    JobCancelled,
    JobFailed,
    PoolClosed,
    StrategyCrashed,
    StrategyMemoryExceeded,
    StrategyRuntimeError,
    StrategyTimeout,
)
from aristobot.strategies import sandbox
from aristobot.strategies.protocol import UnsafePickle, dumps, frame, read_frame, safe_loads

if TYPE_CHECKING:
    import pandas as pd

    from aristobot.config import Settings
    from aristobot.runtime import Runtime

log = logging.getLogger(__name__)

_START_TIMEOUT_S = 120.0
_BOOTSTRAP = (
    "import sys; sys.dont_write_bytecode = True; sys.path.insert(0, {root!r}); "
    "from aristobot.strategies.worker import main; main()"
)


class _Worker:
    """One worker process and what the pool knows about it."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.known: set[str] = set()  # code hashes this worker has loaded
        self.status: sandbox.SandboxStatus | None = None
        self.stderr_tail: deque[str] = deque(maxlen=20)
        self.drain: asyncio.Task[None] | None = None

    async def send(self, message: tuple[Any, ...]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame(dumps(message)))
        await self.proc.stdin.drain()

    async def receive(self) -> tuple[Any, ...]:
        assert self.proc.stdout is not None
        reply = safe_loads(await read_frame(self.proc.stdout))
        if not isinstance(reply, tuple) or not reply:
            raise UnsafePickle("malformed reply")
        return reply

    def kill(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc.stdin is not None:
            self.proc.stdin.close()  # lets the transport close once the process is reaped
        if self.drain is not None:
            self.drain.cancel()


class StrategyPool:
    """A fixed number of reusable sandboxed worker processes (see the module docstring)."""

    def __init__(self, size: int = 2, *, memory_mb: int = 1024, call_timeout_s: float = 5.0,
                 secret_paths: tuple[Path, ...] = (), preload: tuple[str, ...] = ()) -> None:
        self.size = max(1, size)
        self.memory_mb = memory_mb
        self.call_timeout_s = call_timeout_s
        self.secret_paths = secret_paths
        self.preload = preload
        self.sandbox_status: sandbox.SandboxStatus | None = None
        self.replaced = 0  # workers killed and replaced since start (for tests and status)
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._live = 0
        self._closed = False
        self._spawning: set[asyncio.Task[None]] = set()
        self._all: set[_Worker] = set()
        self._start_error: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> StrategyPool:
        secrets = [settings.var_dir, settings.var_dir / "secret_key"]
        if settings.database_url.startswith("sqlite"):
            secrets.append(Path(settings.database_url.split("///", 1)[-1]))
        return cls(settings.strategy_workers, memory_mb=settings.strategy_memory_mb,
                   call_timeout_s=float(settings.strategy_call_timeout_s),
                   secret_paths=tuple(secrets))

    # --- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the workers now (otherwise the first call does); wait until one is ready."""
        self._ensure_capacity()
        while self._idle.empty() and self._spawning:
            await asyncio.wait(set(self._spawning), return_when=asyncio.FIRST_COMPLETED)

    async def aclose(self) -> None:
        """Kill every worker; later calls raise ``PoolClosed``."""
        self._closed = True
        for task in list(self._spawning):
            task.cancel()
        for w in list(self._all):
            w.kill()
            with contextlib.suppress(ProcessLookupError, asyncio.CancelledError):
                await w.proc.wait()
        self._all.clear()

    def _ensure_capacity(self) -> None:
        while not self._closed and self._live + len(self._spawning) < self.size:
            task = asyncio.get_running_loop().create_task(self._spawn())
            self._spawning.add(task)
            task.add_done_callback(self._spawning.discard)

    async def _spawn(self) -> None:
        try:
            worker = await self._start_worker()
        except Exception as e:
            log.exception("could not start a strategy worker")
            self._start_error = str(e) or type(e).__name__
            return
        self._start_error = None
        self._live += 1
        self._all.add(worker)
        self._idle.put_nowait(worker)

    async def _start_worker(self) -> _Worker:
        import aristobot

        root = str(Path(aristobot.__file__).resolve().parent.parent)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-I", "-c", _BOOTSTRAP.format(root=root),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=sandbox.scrubbed_env(os.environ), cwd="/",
            start_new_session=True, limit=2**20,
        )
        worker = _Worker(proc)
        worker.drain = asyncio.get_running_loop().create_task(_drain(worker))
        roots = sandbox.readable_roots()
        config = {"memory_mb": self.memory_mb, "read_paths": roots,
                  "write_files": [Path(os.devnull)], "preload": self.preload}
        try:
            await worker.send(("init", config))
            reply = await asyncio.wait_for(worker.receive(), _START_TIMEOUT_S)
        except BaseException:
            worker.kill()
            raise
        if reply[0] != "ready":
            worker.kill()
            raise RuntimeError(f"worker did not start: {reply!r}")
        worker.status = sandbox.SandboxStatus(**reply[1])
        self._report_sandbox(worker.status, roots)
        return worker

    def _report_sandbox(self, status: sandbox.SandboxStatus, roots: list[Path]) -> None:
        first = self.sandbox_status is None
        self.sandbox_status = status
        exposed = sandbox.forbidden_inside(roots, self.secret_paths)
        if not status.filesystem or exposed:
            log.error("STRATEGY SANDBOX WEAK: %s; secrets readable by workers: %s",
                      status.describe(), [str(p) for p in exposed] or "none")
        elif first:
            log.info("strategy workers sandboxed: %s, memory limit %s MB",
                     status.describe(), status.memory_mb)

    # --- calls --------------------------------------------------------------------------------
    async def _acquire(self) -> _Worker:
        if self._closed:
            raise PoolClosed()
        self._ensure_capacity()
        while True:
            try:
                worker = await asyncio.wait_for(self._idle.get(), 0.5)
            except TimeoutError:
                if self._live == 0 and not self._spawning and self._start_error:
                    raise StrategyCrashed(
                        reason=f"impossible de démarrer un processus isolé : {self._start_error}"
                    ) from None
                self._ensure_capacity()
                continue
            if worker.proc.returncode is None:
                return worker
            self._discard(worker)
            self._ensure_capacity()

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        if worker in self._all:
            self._all.discard(worker)
            self._live -= 1

    def _release(self, worker: _Worker, healthy: bool) -> None:
        if healthy and not self._closed:
            self._idle.put_nowait(worker)
            return
        self._discard(worker)
        if not self._closed:
            self.replaced += 1
            self._ensure_capacity()

    async def _exchange(self, worker: _Worker, message: tuple[Any, ...], timeout_s: float,
                        progress: Callable[[float], None] | None,
                        cancel: asyncio.Event | None) -> tuple[Any, ...]:
        """Send one request and wait for its final reply (progress forwarded)."""
        await worker.send(message)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            reply = await self._next_reply(worker, deadline - loop.time(), timeout_s, cancel)
            if reply[0] != "progress":
                return reply
            if progress is not None:
                try:
                    progress(float(reply[1]))
                except Exception:
                    log.exception("progress callback failed")

    async def _next_reply(self, worker: _Worker, remaining: float, timeout_s: float,
                          cancel: asyncio.Event | None) -> tuple[Any, ...]:
        read = asyncio.ensure_future(worker.receive())
        waiters: set[asyncio.Future[Any]] = {read}
        watcher = None
        if cancel is not None:
            watcher = asyncio.ensure_future(cancel.wait())
            waiters.add(watcher)
        try:
            done, _ = await asyncio.wait(waiters, timeout=max(remaining, 0.0),
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            for f in waiters:
                if not f.done():
                    f.cancel()
        if read in done:
            try:
                return read.result()
            except (asyncio.IncompleteReadError, ConnectionError, UnsafePickle) as e:
                raise await self._death_error(worker, e) from None
        if watcher is not None and watcher in done:
            raise JobCancelled()
        raise StrategyTimeout(seconds=f"{timeout_s:g}")

    async def _death_error(self, worker: _Worker, cause: BaseException) -> AristobotError:
        if isinstance(cause, UnsafePickle):
            log.error("strategy worker sent an invalid reply: %s", cause)
            return StrategyCrashed(reason="réponse invalide du processus")
        try:
            rc = await asyncio.wait_for(worker.proc.wait(), 5.0)
        except TimeoutError:
            rc = None
        log.warning("strategy worker died (exit %s); stderr tail: %s", rc,
                    " | ".join(worker.stderr_tail))
        if rc == -signal.SIGXCPU:
            return StrategyTimeout(seconds="(temps CPU)")
        if rc == 3:
            return StrategyMemoryExceeded(mb=self.memory_mb)
        reason = f"signal {signal.Signals(-rc).name}" if rc and rc < 0 else f"code de sortie {rc}"
        return StrategyCrashed(reason=reason)

    async def _call(self, build: Callable[[_Worker, bool], tuple[Any, ...]], timeout_s: float,
                    progress: Callable[[float], None] | None = None,
                    cancel: asyncio.Event | None = None) -> tuple[Any, ...]:
        worker = await self._acquire()
        healthy = False
        try:
            reply = await self._exchange(worker, build(worker, False), timeout_s, progress, cancel)
            if reply[0] == "need_code":
                reply = await self._exchange(worker, build(worker, True), timeout_s, progress,
                                             cancel)
            healthy = not (reply[0] == "err" and reply[1] in {"memory", "protocol"})
            return reply
        finally:
            self._release(worker, healthy)

    def _code_message(self, op: str, code: str, *args: Any) -> Callable[[_Worker, bool],
                                                                         tuple[Any, ...]]:
        key = code_hash(code)

        def build(worker: _Worker, force: bool) -> tuple[Any, ...]:
            send_code = force or key not in worker.known
            worker.known.add(key)
            return (op, key, code if send_code else None, *args)

        return build

    async def decide(self, code: str, candles: pd.DataFrame, balance: float,
                     position: Position | None) -> Decision:
        """Return the strategy's decision on ``candles`` (never raises for its own faults)."""
        build = self._code_message("decide", code, candles, float(balance), position,
                                   self.call_timeout_s)
        try:
            reply = await self._call(build, self.call_timeout_s)
        except (StrategyTimeout, StrategyCrashed, StrategyMemoryExceeded) as e:
            return Decision(Action.ERROR, error=e.user_message())
        if reply[0] == "ok" and isinstance(reply[1], Decision):
            return reply[1]
        return Decision(Action.ERROR, error=_reply_error(reply, self.memory_mb).user_message())

    async def check(self, code: str, candles: pd.DataFrame | None = None,
                    balance: float = 10_000.0) -> list[str]:
        """Build the strategy on sample candles and call every method once (validation run).

        Returns French notes; raises the strategy's error (with its line) otherwise.
        """
        if candles is None:
            from aristobot.strategies.samples import sample_candles

            candles = sample_candles()
        build = self._code_message("check", code, candles, float(balance), self.call_timeout_s)
        reply = await self._call(build, self.call_timeout_s)
        if reply[0] == "ok":
            return [str(n) for n in reply[1]]
        raise _reply_error(reply, self.memory_mb)

    async def run_job(self, func: str, kwargs: dict[str, Any], *, timeout_s: float,
                      progress: Callable[[float], None] | None = None,
                      cancel: asyncio.Event | None = None) -> Any:
        """Run ``func(**kwargs, report_progress=...)`` in a worker (see the module docstring)."""
        if cancel is not None and cancel.is_set():
            raise JobCancelled()

        def build(_worker: _Worker, _force: bool) -> tuple[Any, ...]:
            return ("job", func, kwargs, timeout_s)

        reply = await self._call(build, timeout_s, progress, cancel)
        if reply[0] == "ok":
            return reply[1]
        raise _reply_error(reply, self.memory_mb)


def _reply_error(reply: tuple[Any, ...], memory_mb: int) -> AristobotError:
    if reply[0] == "err":
        kind, message = reply[1], str(reply[2])
        if kind == "memory":
            return StrategyMemoryExceeded(mb=memory_mb)
        if kind == "user":
            return StrategyRuntimeError(reason=message, line=reply[3]) if reply[3] else JobFailed(
                reason=message)
        return JobFailed(reason=message)
    return JobFailed(reason=f"réponse inattendue du processus isolé : {reply[0]!r}")


async def _drain(worker: _Worker) -> None:
    stream = worker.proc.stderr
    if stream is None:
        return
    with contextlib.suppress(asyncio.CancelledError, ConnectionError):
        while chunk := await stream.read(4096):
            for line in chunk.decode("utf-8", "replace").splitlines():
                if line.strip():
                    worker.stderr_tail.append(line[:500])
                    log.debug("worker %s: %s", worker.proc.pid, line[:500])


def get_pool(runtime: Runtime) -> StrategyPool:
    """Return the process's pool (created on first use, closed with the runtime)."""
    pool = runtime.components.get("strategy_pool")
    if pool is None:
        pool = StrategyPool.from_settings(runtime.settings)
        runtime.components["strategy_pool"] = pool
        runtime.on_close(pool.aclose)
    return pool


async def serve(runtime: Runtime) -> None:
    """Embedded service: start the workers early, keep them until cancelled."""
    pool = get_pool(runtime)
    await pool.start()
    await asyncio.Event().wait()
