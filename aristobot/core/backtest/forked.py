"""Spread independent pieces of work over the process's cores with ``os.fork``.

Used by the exactness check (``fork_map`` for the sampled bars, dealt out in chunks on demand;
``Pending`` for the causality cuts, started while the simulation runs): the pieces re-run the
user's strategy, so this runs where the backtest runs — inside the sandboxed strategy worker,
whose limits (process count, memory cgroup, namespaces) its children share and die with. A
child pickles its answer into a pipe; its parent is the same sandboxed process, as trusted as
the child. A child that fails (killed, out of memory, bad answer) has its piece redone in the
parent, so the answer never depends on a child behaving.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741 - an item

#: Below this many items per child, forking costs more than it saves.
MIN_ITEMS_PER_CHILD = 12
#: Items are dealt out in about this many chunks per process (fewer: less balance).
CHUNKS_PER_PROCESS = 32
#: A child's answer is waited for at least this long after this process finished its part.
CHILD_GRACE_S = 10.0
#: Processes whose answers the last ``fork_map`` used (this one included), for the meta.
last_processes = 1


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _read_all(fd: int, deadline: float) -> bytes | None:
    """Read until end of file, or None when ``deadline`` (monotonic) passes first."""
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return None
        data = os.read(fd, 1 << 20)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def _fork(fn: Callable[[], Any]) -> tuple[int, int] | None:
    """Fork a child that pickles ``fn()`` into a pipe; return (its pid, the pipe's read end),
    or None when no process can be forked."""
    try:
        read, write = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # the child: compute, answer, leave without running any cleanup
        code = 1
        try:
            os.close(read)
            data = pickle.dumps(fn(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def fork_map(
    work: Callable[[Sequence[I]], list[T]],
    items: Sequence[I],
    meanwhile: Callable[[], Any] | None = None,
    workers: int | None = None,
) -> list[T]:
    """Return ``work(items)`` computed in chunks by up to ``workers`` processes (default: one
    per core), this one included; ``meanwhile()`` runs here while the children work.

    The chunks are dealt out on demand: every process takes the next one from a shared pipe
    when it is done with its last, so a process slowed down (by ``meanwhile``, or by other
    work on its core) simply takes fewer."""
    global last_processes
    last_processes = 1
    count = min(workers or cores(), max(1, len(items) // MIN_ITEMS_PER_CHILD))
    if count <= 1 or not hasattr(os, "fork"):
        if meanwhile is not None:
            meanwhile()
        return work(items)
    size = max(1, -(-len(items) // (count * CHUNKS_PER_PROCESS)))
    chunks = [(i, items[i:i + size]) for i in range(0, len(items), size)]
    queue_read, queue_write = os.pipe()
    try:
        os.write(queue_write, b"".join(struct.pack("<I", i) for i, _ in chunks))
    finally:
        os.close(queue_write)  # all written (< a pipe's capacity): the end is the queue's end
    spans = dict(chunks)
    children: list[tuple[int, int]] = []
    try:
        for _ in range(count - 1):
            child = _fork(lambda: _drain(work, queue_read, spans))
            if child is None:  # no more processes: fewer of them
                break
            children.append(child)
        return _gather(work, items, spans, queue_read, children, meanwhile)
    except BaseException:
        for pid, read in children:
            if pid > 0:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                with contextlib.suppress(OSError):
                    os.close(read)
        raise
    finally:
        with contextlib.suppress(OSError):
            os.close(queue_read)


def _drain(work: Callable[[Sequence[I]], list[T]], queue: int,
           spans: dict[int, Sequence[I]]) -> dict[int, list[T]]:
    """Compute chunks taken from ``queue`` until it is empty; return them by start index.
    (Reads of 4 bytes from a pipe written whole before: each takes one index, atomically.)"""
    done: dict[int, list[T]] = {}
    while True:
        raw = os.read(queue, 4)
        if len(raw) < 4:
            return done
        start = struct.unpack("<I", raw)[0]
        done[start] = work(spans[start])


class Pending:
    """``fn()`` computing in a forked child since ``start``; ``result()`` returns its value,
    computed here instead when the child failed (or could not be forked)."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._fn = fn
        self._started = time.monotonic()
        # No more processes: computed here when asked.
        self._pid, self._read = _fork(fn) or (-1, -1)

    def result(self, check: Callable[[Any], bool] = lambda _: True) -> Any:
        """The child's answer when it passes ``check`` (it is attacker data), else ``fn()``."""
        if self._pid <= 0:
            return self._fn()
        deadline = time.monotonic() + max(CHILD_GRACE_S, 4 * (time.monotonic() - self._started))
        data = _read_all(self._read, deadline)
        pid, self._pid = self._pid, -1
        os.close(self._read)
        if data is None:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if data is not None and os.waitstatus_to_exitcode(status) == 0:
            try:
                value = pickle.loads(data)  # noqa: S301 - our own sandboxed child
                if check(value):
                    return value
            except Exception:  # noqa: BLE001 - a broken answer: redo it here
                pass
        return self._fn()

    def cancel(self) -> None:
        """Stop the child (its answer is no longer wanted)."""
        if self._pid > 0:
            pid, self._pid = self._pid, -1
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
            with contextlib.suppress(OSError):
                os.close(self._read)


def _gather(
    work: Callable[[Sequence[I]], list[T]],
    items: Sequence[I],
    spans: dict[int, Sequence[I]],
    queue: int,
    children: list[tuple[int, int]],
    meanwhile: Callable[[], Any] | None,
) -> list[T]:
    global last_processes
    started = time.monotonic()
    if meanwhile is not None:
        meanwhile()
    done = _drain(work, queue, spans)
    # A child stuck (a lock copied held by another thread at the fork) is killed and its
    # chunks redone here, once it has taken much longer than this process's own share.
    deadline = time.monotonic() + max(CHILD_GRACE_S, 4 * (time.monotonic() - started))
    for k, (pid, read) in enumerate(children):
        data = _read_all(read, deadline)
        os.close(read)
        children[k] = (-1, -1)  # reaped below
        if data is None:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if data is None or os.waitstatus_to_exitcode(status) != 0:
            continue
        try:
            value = pickle.loads(data)  # noqa: S301 - our own sandboxed child
        except Exception:  # noqa: BLE001 - a broken answer: its chunks are redone here
            continue
        if isinstance(value, dict) and all(
                isinstance(start, int) and start in spans and isinstance(answer, list)
                and len(answer) == len(spans[start]) for start, answer in value.items()):
            done.update(value)
            last_processes += bool(value)  # a child that took no chunk gave nothing
    ordered: list[T] = []
    for start in sorted(spans):
        got = done.get(start)
        ordered.extend(got if got is not None else work(spans[start]))
    return ordered
