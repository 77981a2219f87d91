"""Hostile strategies and a view of the worker's processes from outside (sandbox tests)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from aristobot.core.strategy_validator import REQUIRED_METHODS


def hostile(body: str) -> str:
    """A strategy whose should_long runs ``body``; ``os`` is reached WITHOUT an import
    statement the validator would refuse (pandas.io.common imports os), as an attacker would;
    ``time``, ``ctypes`` and ``socket`` are reached through ``os.sys.modules``/importlib."""
    others = [m for m in REQUIRED_METHODS if m != "should_long"]
    methods = "".join(f"    def {m}(self):\n        return 0\n" for m in others)
    lines = "".join(f"        {line}\n" for line in body.splitlines())
    return ("import pandas.io.common as c\nos = c.os\nmods = os.sys.modules\n"
            "time = mods['time']\nctypes = mods['ctypes']\n"
            "socket = mods['importlib'].import_module('socket')\n\n"
            "class Hostile(Strategy):\n" + methods + "    def should_long(self):\n" + lines)


def _stat(pid: int) -> tuple[str, int, int] | None:
    """Return (state, ppid, session) of ``pid``, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return fields[0], int(fields[1]), int(fields[3])


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as dead)."""
    st = _stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def children(pid: int) -> list[int]:
    """Return the live child processes of ``pid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st is not None and st[1] == pid and st[0] not in ("Z", "X"):
                out.append(int(entry.name))
    return out


def descendants(pid: int) -> list[int]:
    """Return every live process below ``pid``."""
    found, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        found += kids
        todo += kids
    return found


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def worker_python(outer_pid: int) -> int:
    """Return the pid of the worker's Python process started as ``outer_pid`` (which is
    bubblewrap when installed: bwrap, its namespace init, then Python)."""
    pid = outer_pid
    while comm(pid) == "bwrap":
        kids = children(pid)
        if not kids:
            raise LookupError(f"bwrap {pid} has no child")
        pid = kids[0]
    return pid


def session_leaders_below(pid: int) -> list[int]:
    """Return the children of ``pid`` that made themselves session leaders (setsid)."""
    out = []
    for kid in children(pid):
        st = _stat(kid)
        if st is not None and st[2] == kid:
            out.append(kid)
    return out


def status(pid: int) -> dict[str, str]:
    """Return the fields of ``/proc/<pid>/status``."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


async def until(condition: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    """Poll ``condition`` (bounded); return its last value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True
