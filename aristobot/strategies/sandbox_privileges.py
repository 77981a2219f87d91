"""The worker gives up its privileges: uid, capabilities, no_new_privs, process limits.

When the pool runs as root (the usual case on these machines and in CI), each worker switches
to its own unprivileged uid (``WORKER_UID_BASE`` + a number unique to the pool process and the
worker) after emptying the capability bounding set, and clears its remaining capability sets.
A uid of its own makes ``RLIMIT_NPROC`` count this worker's processes only and keeps workers
from touching each other's processes. A non-root pool's workers already run unprivileged (and
without capabilities); they keep the pool's uid.

``no_new_privs`` is set in every case: nothing the worker executes can gain privileges
(setuid binaries, file capabilities), and it lets the worker load its seccomp filter.
"""

from __future__ import annotations

import ctypes
import os
import resource
from dataclasses import dataclass
from pathlib import Path

#: First uid of the range given to workers of a root pool (far above people and containers).
WORKER_UID_BASE = 1_900_000_000
#: Worker uids per pool process (a process never has more live workers than this).
SLOTS = 64

_PR_CAPBSET_DROP = 24
_PR_SET_NO_NEW_PRIVS = 38
_PR_GET_NO_NEW_PRIVS = 39
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4
_CAP_VERSION_3 = 0x20080522
_CAP_FIELDS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


@dataclass(frozen=True, slots=True)
class Privileges:
    """What the worker ended up with, read back from ``/proc/self/status``."""

    uid: int
    capabilities: int  # OR of every capability set, bounding set included (0: none at all)
    no_new_privs: bool
    max_processes: int
    error: str | None = None


def worker_uid(slot: int, pool_pid: int | None = None) -> int:
    """Return the uid of worker ``slot`` of the pool process ``pool_pid`` (root pools only)."""
    pid = os.getpid() if pool_pid is None else pool_pid
    return WORKER_UID_BASE + ((pid & 0x3FFFFF) * SLOTS) + (slot % SLOTS)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _drop_root(libc: ctypes.CDLL, uid: int) -> None:
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for cap in range(last + 1):
        _check(libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0), f"PR_CAPBSET_DROP({cap})")
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # clears the permitted and effective sets


def _clear_capabilities(libc: ctypes.CDLL) -> None:
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)  # EINVAL on old kernels
    header = _CapHeader(_CAP_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(libc.capset(ctypes.byref(header), data), "capset")


def limit_processes(count: int) -> None:
    """Cap the processes (and threads) of this worker's uid; no core files, no POSIX queues."""
    resource.setrlimit(resource.RLIMIT_NPROC, (count, count))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))


def drop_privileges(uid: int | None, max_processes: int) -> Privileges:
    """Switch to ``uid`` (root only), drop every capability, set no_new_privs and the
    process limit; return what the kernel reports afterwards."""
    libc = _libc()
    error = None
    try:
        if os.geteuid() == 0:
            if uid is None or uid == 0:
                raise OSError("no worker uid given to a root worker")
            _drop_root(libc, uid)
        _clear_capabilities(libc)
        _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS")
        limit_processes(max_processes)
    except (OSError, ValueError) as e:
        error = str(e)
    return _read_back(error)


def _read_back(error: str | None) -> Privileges:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    caps = 0
    for name in _CAP_FIELDS:
        caps |= int(fields.get(name, "ffffffffffffffff"), 16)
    soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    uids = [int(u) for u in fields.get("Uid", "0").split()]
    return Privileges(uid=max(uids), capabilities=caps,
                      no_new_privs=fields.get("NoNewPrivs") == "1",
                      max_processes=-1 if soft == resource.RLIM_INFINITY else soft,
                      error=error)
