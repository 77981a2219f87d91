"""One sandboxed worker process as the pool sees it: start, messages, death diagnosis.

Used by ``aristobot.strategies.pool`` only. A worker belongs to ONE owner (a user id, or None
for system calls) for its whole life: it is never handed to another owner, so nothing a user's
code leaves behind in the process (patched modules, cached classes) can reach another user.

Requests are sent as pickles; replies are read as ``reply_codec`` frames and decoded against
the ``replies.ReplySpec`` of the request (``Worker.receive``): the frame length is checked
against the spec's cap from its 4-byte prefix, the body is never unpickled. A reply that
breaks the schema raises ``ReplyRejected``; ``death_error`` turns it into
``StrategyReplyRejected`` and the pool kills the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import shutil
import signal
import subprocess
import sys
from collections import deque
from pathlib import Path
from typing import Any

from aristobot.errors import (
    AristobotError,
    JobFailed,
    StrategyCrashed,
    StrategyMemoryExceeded,
    StrategyReplyRejected,
    StrategyRuntimeError,
    StrategyTimeout,
)
from aristobot.strategies import messages, sandbox, sandbox_namespaces, sandbox_privileges
from aristobot.strategies.protocol import dumps, frame, read_frame
from aristobot.strategies.replies import READY, ReplySpec, decode_reply
from aristobot.strategies.reply_codec import ReplyRejected
from aristobot.strategies.sandbox_cgroup import MemoryCgroup, innermost_child

log = logging.getLogger("aristobot.strategies.pool")

START_TIMEOUT_S = 120.0
#: How long a reaper waits for a SIGKILLed worker to be reported dead (it takes milliseconds).
REAP_TIMEOUT_S = 30.0
#: Processes (and threads) a worker may have at once, itself included (RLIMIT_NPROC).
MAX_PROCESSES = 8
_SLOTS_IN_USE: set[int] = set()  # uid slots of this process's live workers (root pools)
_BOOTSTRAP = (
    "import sys; sys.dont_write_bytecode = True; sys.path.insert(0, {root!r}); "
    "from aristobot.strategies.worker import main; main()"
)


class Worker:
    """One worker process, its owner and what the pool knows about it."""

    def __init__(self, proc: asyncio.subprocess.Process, owner: int | None, *,
                 wrapped: bool = False, slot: int | None = None, uid: int | None = None) -> None:
        self.proc = proc
        self.owner = owner
        self.wrapped = wrapped  # under bubblewrap: killing it kills its PID namespace
        self.slot = slot  # its uid slot (root pools), freed once every process is gone
        self.uid = uid
        self.cgroup: MemoryCgroup | None = None  # the memory cgroup of all its processes
        self.known: set[str] = set()  # code hashes this worker has loaded
        self.status: sandbox.SandboxStatus | None = None
        self.stderr_tail: deque[str] = deque(maxlen=20)
        self.drain: asyncio.Task[None] | None = None
        self.reaper: asyncio.Task[None] | None = None
        self.idle_since = 0.0  # loop time of the last release
        self.in_job = False

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None

    async def send(self, message: tuple[Any, ...]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame(dumps(message)))
        await self.proc.stdin.drain()

    async def receive(self, spec: ReplySpec = READY) -> tuple[Any, ...]:
        """Read and decode the next reply against ``spec`` (the schema of the request).

        Raises ``ReplyRejected`` for anything but valid data of that schema (the caller kills
        the worker), ``asyncio.IncompleteReadError`` when the worker is gone.
        """
        assert self.proc.stdout is not None
        return decode_reply(await read_frame(self.proc.stdout, spec.max_frame), spec)

    def kill(self) -> None:
        """Kill the worker and every process it started (see ``start_worker``)."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        if not self.wrapped and self.uid is not None and self.reaper is None:
            _kill_uid(self.uid)
        self._close_pipes()
        if self.drain is not None:
            self.drain.cancel()
        if self.reaper is None:
            # Reap now, on this loop: a transport left to the garbage collector after its loop
            # closed raises "Event loop is closed" somewhere else.
            self.reaper = asyncio.get_running_loop().create_task(self._reap())

    def _close_pipes(self) -> None:
        """Close our ends of the worker's pipes now, unread data and unsent requests dropped.

        ``proc.wait()`` (Python 3.11) returns only once the process has exited AND every pipe
        is closed: a reply pipe whose reading is paused (more than 2 MiB unread: a worker that
        wrote junk after its reply) or a request pipe still holding unsent bytes would never
        close, and the reaper (then ``aclose``) would wait forever with no process left.
        """
        transport = getattr(self.proc, "_transport", None)
        if transport is None:
            return
        stdin = transport.get_pipe_transport(0)
        if stdin is not None and not stdin.is_closing():
            stdin.abort()  # not close(): that one waits until the buffered bytes are written
        for fd in (1, 2):
            pipe = transport.get_pipe_transport(fd)
            if pipe is not None:
                pipe.close()

    async def _reap(self) -> None:
        try:
            try:
                async with asyncio.timeout(REAP_TIMEOUT_S):
                    await self.proc.wait()
            except TimeoutError:
                # Its uid slot stays taken: a process of that uid may still be alive.
                log.error("strategy worker %s not reaped %g s after SIGKILL",
                          self.proc.pid, REAP_TIMEOUT_S)
                return
            if self.cgroup is not None and not await self.cgroup.remove():
                log.warning("memory cgroup %s still busy after its worker died",
                            self.cgroup.path)
            _free_slot(self.slot)
        finally:
            # Even when the reaper is cancelled (a loop shutting down cancels what is still
            # pending): a transport closed later by the garbage collector raises « Event loop
            # is closed » in whatever test runs then.
            transport = getattr(self.proc, "_transport", None)
            if transport is not None:
                transport.close()


async def start_worker(owner: int | None, config: dict[str, Any],
                       env: dict[str, str]) -> Worker:
    """Start a worker for ``owner`` with the (scrubbed) ``env``, send it ``config`` and wait
    until it is ready. It runs under bubblewrap when installed (see ``sandbox_namespaces``)
    and, for a root pool, switches to a uid of its own (see ``sandbox_privileges``)."""
    import aristobot

    root = Path(aristobot.__file__).resolve().parent.parent
    command = [sys.executable, "-I", "-c", _BOOTSTRAP.format(root=str(root))]
    bwrap = sandbox_namespaces.bwrap_path()
    if bwrap is not None:
        roots = [*config["read_paths"], root, Path(sys.executable).resolve().parent]
        command = sandbox_namespaces.wrap(command, roots, bwrap)
    slot = _take_slot() if os.geteuid() == 0 else None
    config = {**config, "max_processes": config.get("max_processes", MAX_PROCESSES)}
    if slot is not None:
        config["uid"] = sandbox_privileges.worker_uid(slot)
    try:
        proc = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env, cwd="/", start_new_session=True,
            limit=2**20,
        )
    except BaseException:
        _free_slot(slot)
        raise
    worker = Worker(proc, owner, wrapped=bwrap is not None, slot=slot, uid=config.get("uid"))
    worker.drain = asyncio.get_running_loop().create_task(_drain(worker))
    try:
        await worker.send(("init", config))
        reply = await asyncio.wait_for(worker.receive(), START_TIMEOUT_S)
    except BaseException:
        await _abandon(worker)
        raise
    if reply[0] != "ready":
        await _abandon(worker)
        raise RuntimeError(f"worker did not start: {reply!r}")
    worker.cgroup = _memory_cgroup(worker, int(config["memory_mb"]))
    worker.status = dataclasses.replace(sandbox.SandboxStatus(**reply[1]),
                                        namespaces=worker.wrapped,
                                        memory_cgroup=worker.cgroup is not None)
    return worker


async def _abandon(worker: Worker) -> None:
    """Kill a worker that never became ready and reap it before its caller gives up: no
    pool holds it, so a reaper left running could outlive the event loop."""
    worker.kill()
    if worker.reaper is not None:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(worker.reaper), 10.0)


def _memory_cgroup(worker: Worker, memory_mb: int) -> MemoryCgroup | None:
    """Put the ready worker (no user code yet) in a memory cgroup of its own (root pools)."""
    if worker.uid is None:
        return None
    cgroup = MemoryCgroup.create(f"aristobot-worker-{worker.uid}", memory_mb * 2**20)
    if cgroup is None:
        return None
    try:
        cgroup.add(innermost_child(worker.proc.pid))
    except (OSError, LookupError, ValueError) as e:
        log.error("could not put the strategy worker in its memory cgroup: %s", e)
        return None
    return cgroup


def _take_slot() -> int:
    slot = next((i for i in range(sandbox_privileges.SLOTS) if i not in _SLOTS_IN_USE), None)
    if slot is None:  # two live workers must never share a uid
        raise RuntimeError(f"more than {sandbox_privileges.SLOTS} workers in one process")
    _SLOTS_IN_USE.add(slot)
    return slot


def _free_slot(slot: int | None) -> None:
    if slot is not None:
        _SLOTS_IN_USE.discard(slot)


def _kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (a root pool without bubblewrap: the worker's setsid
    children are out of its process group, but they keep its uid)."""
    setpriv = shutil.which("setpriv", path="/usr/bin:/bin")
    kill = shutil.which("kill", path="/usr/bin:/bin")
    if setpriv is None or kill is None:
        log.error("cannot kill the processes of uid %s: setpriv or kill missing", uid)
        return
    # kill(-1) from that uid reaches every process of that uid (and not root's).
    subprocess.run([setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--",
                    kill, "-KILL", "-1"], check=False, timeout=10,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def death_error(worker: Worker, cause: BaseException, memory_mb: int) -> AristobotError:
    """Explain (in French) why a worker stopped answering; details go to the log."""
    if isinstance(cause, ReplyRejected):
        log.error("strategy worker %s sent an invalid reply (killed): %s", worker.proc.pid, cause)
        return StrategyReplyRejected()
    try:
        rc = await asyncio.wait_for(worker.proc.wait(), 5.0)
    except TimeoutError:
        rc = None
    rc = sandbox_namespaces.translate_exit(rc, worker.wrapped)
    if worker.cgroup is not None and worker.cgroup.oom_killed():
        return StrategyMemoryExceeded(mb=memory_mb)
    log.warning("strategy worker died (exit %s); stderr tail: %s", rc,
                " | ".join(worker.stderr_tail))
    if rc == -signal.SIGXCPU:
        return StrategyTimeout(seconds=messages.CPU_TIME)
    if rc == 3:
        return StrategyMemoryExceeded(mb=memory_mb)
    reason = f"signal {signal.Signals(-rc).name}" if rc and rc < 0 else messages.exit_code(rc)
    return StrategyCrashed(reason=reason)


def reply_error(reply: tuple[Any, ...], memory_mb: int) -> AristobotError:
    """Turn a worker's ``("err", kind, message, line)`` reply into the matching error."""
    if reply[0] == "err":
        kind, message = reply[1], str(reply[2])
        if kind == "memory":
            return StrategyMemoryExceeded(mb=memory_mb)
        if kind == "user":
            return StrategyRuntimeError(reason=message, line=reply[3]) if reply[3] else JobFailed(
                reason=message)
        return JobFailed(reason=message)
    return JobFailed(reason=messages.unexpected_reply(reply[0]))


async def _drain(worker: Worker) -> None:
    stream = worker.proc.stderr
    if stream is None:
        return
    with contextlib.suppress(asyncio.CancelledError, ConnectionError):
        while chunk := await stream.read(4096):
            for line in chunk.decode("utf-8", "replace").splitlines():
                if line.strip():
                    worker.stderr_tail.append(line[:500])
                    log.debug("worker %s: %s", worker.proc.pid, line[:500])
