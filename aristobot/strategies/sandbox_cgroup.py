"""One memory cgroup per worker: a memory limit for the worker and all its processes together.

``RLIMIT_AS`` is per process: a worker that forks could use the process limit × the memory
limit in all. A root pool therefore puts each worker (once it is ready, before any user code)
in a memory cgroup of its own, a child of the pool's own memory cgroup, limited to the worker's
memory limit; processes it forks stay in it, and the kernel's OOM killer acts inside it only.
Uses the cgroup v1 memory controller (``/sys/fs/cgroup/memory``); where it is missing or not
writable (pure cgroup v2, no root) the pool says so loudly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

_V1_MEMORY = Path("/sys/fs/cgroup/memory")


def _own_memory_cgroup() -> Path | None:
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            base = _V1_MEMORY / path.lstrip("/")
            return base if base.is_dir() else None
    return None


class MemoryCgroup:
    """A worker's memory cgroup (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, name: str, limit_bytes: int) -> MemoryCgroup | None:
        """Create (or reuse) the cgroup ``name`` limited to ``limit_bytes``; None if impossible."""
        base = _own_memory_cgroup()
        if base is None or os.geteuid() != 0:
            return None
        path = base / name
        try:
            path.mkdir(exist_ok=True)
            (path / "memory.limit_in_bytes").write_text(str(limit_bytes))
            swap = path / "memory.memsw.limit_in_bytes"  # present with swap accounting only
            if swap.exists():
                swap.write_text(str(limit_bytes))
        except OSError:
            with contextlib.suppress(OSError):
                path.rmdir()
            return None
        return cls(path)

    def add(self, pid: int) -> None:
        """Move ``pid`` into the cgroup (the processes it starts later stay in it)."""
        (self.path / "cgroup.procs").write_text(str(pid))

    def oom_killed(self) -> bool:
        """True when the kernel killed a process of this cgroup for lack of memory."""
        try:
            text = (self.path / "memory.oom_control").read_text()
        except OSError:
            return False
        fields = dict(line.split() for line in text.splitlines() if len(line.split()) == 2)
        return int(fields.get("oom_kill", "0")) > 0

    async def remove(self, timeout_s: float = 10.0) -> bool:
        """Remove the cgroup once its processes are gone (they die with their namespace)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            try:
                self.path.rmdir()
                return True
            except FileNotFoundError:
                return True
            except OSError:
                if loop.time() > deadline:
                    return False
                await asyncio.sleep(0.05)


def innermost_child(pid: int) -> int:
    """Return the worker's own process below ``pid`` (bubblewrap, its init, then Python)."""
    while _comm(pid) == "bwrap":
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if not kids:
            raise LookupError(f"bwrap {pid} has no child")
        pid = int(kids[0])
    return pid


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""
