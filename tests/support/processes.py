"""The processes a test left behind: Dask schedulers/workers, notebook kernels, their children.

Read from ``/proc`` (Linux), no third-party dependency. ``dask_descendants()`` lists the
descendants of this process that belong to a Dask cluster (a ``dask scheduler``/``dask worker``
command, a worker process spawned by a ``LocalCluster`` nanny, a notebook kernel) together with
everything they started (e.g. sandboxed ``bwrap`` strategy workers).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

#: Command-line fragments of the processes a sweep test may start.
DASK_MARKERS = ("dask", "distributed", "spawn_main", "ipykernel")


def _parent_and_state(pid: int) -> tuple[int, str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0]


def cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def descendants(root: int | None = None) -> dict[int, int]:
    """Return {pid: parent pid} of every live (non-zombie) descendant of ``root``."""
    root = os.getpid() if root is None else root
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        info = _parent_and_state(int(entry))
        if info is not None and info[1] != "Z":
            children.setdefault(info[0], []).append(int(entry))
    found: dict[int, int] = {}
    todo = [root]
    while todo:
        parent = todo.pop()
        for child in children.get(parent, []):
            found[child] = parent
            todo.append(child)
    return found


def dask_descendants(root: int | None = None) -> dict[int, str]:
    """Return {pid: command line} of the Dask processes under ``root`` and their children."""
    tree = descendants(root)
    marked = {pid for pid in tree if any(m in cmdline(pid) for m in DASK_MARKERS)
              and "resource_tracker" not in cmdline(pid)}
    out: dict[int, str] = {}
    for pid in tree:
        p = pid
        while p in tree:
            if p in marked:
                out[pid] = cmdline(pid)
                break
            p = tree[p]
    return out


def alive(pids: set[int]) -> set[int]:
    """Return the pids of ``pids`` still running (zombies count as gone)."""
    out = set()
    for pid in pids:
        info = _parent_and_state(pid)
        if info is not None and info[1] != "Z":
            out.add(pid)
    return out


def wait_gone(pids: set[int], timeout_s: float) -> set[int]:
    """Wait until every pid of ``pids`` has exited; return those still alive at the deadline."""
    deadline = time.monotonic() + timeout_s
    left = alive(pids)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)  # polling other processes' exit, not a timing assertion
        left = alive(left)
    return left


def kill(pids: set[int]) -> None:
    """SIGKILL ``pids`` (processes this test session started)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
