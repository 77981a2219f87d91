"""Spread independent pieces of work over the process's cores with ``os.fork``.

Used by the exactness check: the pieces re-run the user's strategy, so this runs where the
backtest runs — inside the sandboxed strategy worker, whose limits (process count, memory
cgroup, namespaces) its children share and die with. A child pickles its answer into a pipe;
its parent is the same sandboxed process, as trusted as the child. A child that fails (killed,
out of memory, bad answer) has its piece redone in the parent, so the answer never depends on
a child behaving.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741 - an item

#: Below this many items per child, forking costs more than it saves.
MIN_ITEMS_PER_CHILD = 12
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


def fork_map(
    work: Callable[[Sequence[I]], list[T]],
    items: Sequence[I],
    meanwhile: Callable[[], Any] | None = None,
    workers: int | None = None,
) -> list[T]:
    """Return ``work(items)`` computed in parts by up to ``workers`` processes (default: one
    per core), this one included; ``meanwhile()`` runs here while the children work."""
    global last_processes
    last_processes = 1
    count = min(workers or cores(), max(1, len(items) // MIN_ITEMS_PER_CHILD))
    if count <= 1 or not hasattr(os, "fork"):
        if meanwhile is not None:
            meanwhile()
        return work(items)
    parts = [items[i::count] for i in range(count)]
    children: list[tuple[int, int, Sequence[I]]] = []
    for part in parts[1:]:
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no more processes: do it here
            os.close(read)
            os.close(write)
            children.append((-1, -1, part))
            continue
        if pid == 0:  # the child: compute, answer, leave without running any cleanup
            code = 1
            try:
                os.close(read)
                data = pickle.dumps(work(part), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        children.append((pid, read, part))
    try:
        return _gather(work, items, parts, children, meanwhile, count)
    except BaseException:
        for pid, read, _ in children:
            if pid > 0:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                with contextlib.suppress(OSError):
                    os.close(read)
        raise


class Pending:
    """``fn()`` computing in a forked child since ``start``; ``result()`` returns its value,
    computed here instead when the child failed (or could not be forked)."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._fn = fn
        self._pid = self._read = -1
        self._started = time.monotonic()
        try:
            read, write = os.pipe()
        except OSError:
            return
        try:
            pid = os.fork()
        except OSError:  # no more processes: computed here when asked
            os.close(read)
            os.close(write)
            return
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
        self._pid, self._read = pid, read

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
    parts: list[Sequence[I]],
    children: list[tuple[int, int, Sequence[I]]],
    meanwhile: Callable[[], Any] | None,
    count: int,
) -> list[T]:
    global last_processes
    started = time.monotonic()
    if meanwhile is not None:
        meanwhile()
    mine = work(parts[0])
    # A child stuck (a lock copied held by another thread at the fork) is killed and its part
    # redone here, once it has taken much longer than this process's own part.
    deadline = time.monotonic() + max(CHILD_GRACE_S, 4 * (time.monotonic() - started))
    answers: list[list[T]] = [mine]
    for pid, read, part in children:
        answer: list[T] | None = None
        if pid > 0:
            data = _read_all(read, deadline)
            os.close(read)
            children[children.index((pid, read, part))] = (-1, -1, part)  # reaped below
            if data is None:
                os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            if data is not None and os.waitstatus_to_exitcode(status) == 0:
                try:
                    value = pickle.loads(data)  # noqa: S301 - our own sandboxed child
                    if isinstance(value, list) and len(value) == len(part):
                        answer = value
                except Exception:  # noqa: BLE001 - a broken answer: redo the part here
                    answer = None
        last_processes += answer is not None
        answers.append(answer if answer is not None else work(part))
    # Back to the items' order: part i holds items i, i + count, ...
    ordered: list[Any] = [None] * len(items)
    for i, answer in enumerate(answers):
        ordered[i::count] = answer
    return ordered
