"""The worker's cage: scrubbed environment, resource limits and Linux Landlock (ctypes).

``enclose`` closes it, once the worker has imported what it needs: memory limit, privileges
(own uid, no capabilities, no_new_privs, process limit: ``sandbox_privileges``), Landlock, then
the seccomp filter (``sandbox_seccomp``). The worker itself runs in bubblewrap's namespaces
(``sandbox_namespaces``). SECURITY.md describes every layer and what is not defended.

Landlock (kernel ≥ 5.13) lets an unprivileged process drop access rights for itself and its
children, irreversibly. The worker keeps read/execute access only to what Python needs (the
interpreter, the virtualenv, the ``aristobot`` package, system libraries) and write access to
``/dev/null``; the database file, ``var/`` (key file included), ``/proc`` and everything else
become unreachable. ABI ≥ 4 also refuses every TCP bind/connect; ABI ≥ 6 stops the worker from
signalling processes outside its domain (it cannot kill the dashboard) and from connecting to
abstract Unix sockets. Where Landlock is missing the worker says so and the pool logs it loudly.
Unix sockets reachable by path (e.g. PostgreSQL's) are not covered by Landlock ABI ≤ 7: the
seccomp filter refuses every new socket instead."""

from __future__ import annotations

import ctypes
import os
import resource
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SYS_CREATE_RULESET = 444  # same number on every Linux architecture
_SYS_ADD_RULE = 445
_SYS_RESTRICT_SELF = 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_PDEATHSIG = 1

# Filesystem rights (bit numbers from linux/landlock.h).
_FS_EXECUTE = 1 << 0
_FS_WRITE_FILE = 1 << 1
_FS_READ_FILE = 1 << 2
_FS_READ_DIR = 1 << 3
_FS_TRUNCATE = 1 << 14
_FS_IOCTL_DEV = 1 << 15
_FILE_ONLY = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
_READ = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
_NET_ALL = (1 << 0) | (1 << 1)  # BIND_TCP | CONNECT_TCP
_SCOPE_ALL = (1 << 0) | (1 << 1)  # ABSTRACT_UNIX_SOCKET | SIGNAL

#: Environment variables a worker receives; everything else (secrets, DB URL) is dropped.
_PASSED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LANG", "LC_ALL", "TZ")
_WORKER_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/nonexistent",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_MAX_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@dataclass(frozen=True, slots=True)
class SandboxStatus:
    """What the worker could enforce (sent to the pool, which logs it; see ``weaknesses``)."""

    landlock_abi: int  # 0: Landlock unavailable
    filesystem: bool
    network: bool
    signals: bool
    memory_mb: int
    error: str | None = None
    uid: int = -1  # the worker's uid after the drop (0: still root)
    capabilities: int = -1  # OR of all its capability sets (0: none)
    no_new_privs: bool = False
    max_processes: int = -1  # RLIMIT_NPROC (-1: unlimited)
    seccomp_refused: int = 0  # system calls refused by the seccomp filter (0: no filter)
    namespaces: bool = False  # started under bubblewrap (PID/net/mount/IPC namespaces)
    memory_cgroup: bool = False  # its processes share one memory limit (sandbox_cgroup)
    privileges_error: str | None = None
    seccomp_error: str | None = None

    def weaknesses(self) -> list[str]:
        """Return the layers that are missing (empty: every layer is in place)."""
        weak = []
        if not self.filesystem:
            weak.append(f"Landlock unavailable ({self.error}): user code is NOT fenced off "
                        "the disk")
        if self.uid == 0 or self.capabilities != 0 or not self.no_new_privs:
            weak.append(f"privileges kept (uid {self.uid}, capabilities {self.capabilities:#x}, "
                        f"no_new_privs {self.no_new_privs}): {self.privileges_error}")
        if self.max_processes < 0:
            weak.append("no process limit")
        if not self.seccomp_refused:
            weak.append(f"no seccomp filter ({self.seccomp_error}): sockets, memfd and "
                        "namespaces are NOT refused")
        if not self.memory_cgroup:
            weak.append("no memory cgroup: a worker and its children may use "
                        f"{max(self.max_processes, 1)} × the memory limit in all")
        if not self.namespaces:
            weak.append("bubblewrap (bwrap) missing: no PID/network/mount namespaces, "
                        "fork+setsid children may outlive their worker")
        return weak

    def describe(self) -> str:
        if not self.filesystem:
            return f"Landlock unavailable ({self.error}): user code is NOT fenced off the disk"
        parts = ["filesystem"] + (["tcp"] if self.network else []) + (
            ["signals"] if self.signals else []
        )
        return (f"Landlock ABI {self.landlock_abi} enforced ({', '.join(parts)}); uid "
                f"{self.uid}, capabilities {self.capabilities:#x}, no_new_privs "
                f"{self.no_new_privs}, max {self.max_processes} processes, seccomp "
                f"{self.seccomp_refused} calls refused, namespaces {self.namespaces}, "
                f"memory cgroup {self.memory_cgroup}")


def scrubbed_env(environ: Mapping[str, str]) -> dict[str, str]:
    """Return the worker's environment: fixed safe values, a few harmless ones passed on."""
    env = dict(_WORKER_ENV)
    env.update({k: environ[k] for k in _PASSED_ENV if k in environ})
    return env


def readable_roots() -> list[Path]:
    """Return the directories a worker may read: Python, the venv, aristobot, system libs."""
    import aristobot

    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)}
    roots.add(Path(aristobot.__file__).resolve().parent)
    for entry in sys.path:
        if entry and "site-packages" in entry and Path(entry).is_dir():
            roots.add(Path(entry))
    for system in ("/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache", "/etc/localtime"):
        if Path(system).exists():
            roots.add(Path(system))
    return sorted({r.resolve() for r in roots})


def forbidden_inside(roots: Iterable[Path], secrets: Iterable[Path]) -> list[Path]:
    """Return the secret paths that an allowed root would expose (should be empty)."""
    bad = []
    for secret in secrets:
        s = secret.resolve()
        if any(s == r or r in s.parents for r in roots):
            bad.append(s)
    return bad


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """Return the kernel's Landlock ABI version (0 when unavailable)."""
    try:
        libc = _libc()
        abi = libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                           ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return abi if abi > 0 else 0


def _fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: bits 0..12
    if abi >= 2:
        rights |= 1 << 13  # REFER
    if abi >= 3:
        rights |= _FS_TRUNCATE
    if abi >= 5:
        rights |= _FS_IOCTL_DEV
    return rights


def apply_landlock(read_paths: Iterable[Path], write_files: Iterable[Path]) -> SandboxStatus:
    """Restrict this process for good: read ``read_paths``, write ``write_files``, no TCP."""
    abi = landlock_abi()
    if abi <= 0:
        return SandboxStatus(0, False, False, False, 0, error="kernel without Landlock")
    libc = _libc()
    handled = _fs_rights(abi)
    attr = _RulesetAttr(handled, _NET_ALL if abi >= 4 else 0, _SCOPE_ALL if abi >= 6 else 0)
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    fd = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                      ctypes.c_uint32(0))
    if fd < 0:
        return SandboxStatus(abi, False, False, False, 0, error=os.strerror(ctypes.get_errno()))
    try:
        for path in read_paths:
            _add_rule(libc, fd, path, _READ, handled)
        for path in write_files:
            _add_rule(libc, fd, path, _FS_READ_FILE | _FS_WRITE_FILE, handled)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS) failed")
        if libc.syscall(_SYS_RESTRICT_SELF, fd, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    except OSError as e:
        return SandboxStatus(abi, False, False, False, 0, error=str(e))
    finally:
        os.close(fd)
    return SandboxStatus(abi, True, abi >= 4, abi >= 6, 0)


def _add_rule(libc: ctypes.CDLL, ruleset_fd: int, path: Path, access: int, handled: int) -> None:
    try:
        pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a missing optional path (e.g. /lib64) is simply not allowed
    try:
        if not path.is_dir():
            access &= _FILE_ONLY
        rule = _PathBeneathAttr(access & handled, pfd)
        if libc.syscall(_SYS_ADD_RULE, ruleset_fd, _RULE_PATH_BENEATH, ctypes.byref(rule),
                        ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule({path}) failed")
    finally:
        os.close(pfd)


def die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent dies (no orphan workers)."""
    import signal

    try:
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def limit_memory(megabytes: int) -> int:
    """Cap the address space (RLIMIT_AS); return the limit applied in MB (0 if refused)."""
    limit = megabytes * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        return 0
    return megabytes


def limit_cpu_for_next_call(seconds: float) -> None:
    """Let the coming call use ``seconds`` more CPU time; past it the kernel kills the worker."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    soft = int(used + seconds) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def enclose(config: Mapping[str, Any]) -> dict[str, Any]:
    """Close the worker's cage for good, in order: memory limit, privileges (uid,
    capabilities, no_new_privs, process limit), Landlock, seccomp. Return the status fields
    (``SandboxStatus``) for the pool. Call after every import the worker needs."""
    from aristobot.strategies import sandbox_privileges, sandbox_seccomp

    seccomp_lib = sandbox_seccomp.load_libseccomp()  # before Landlock hides the library
    mb = limit_memory(int(config["memory_mb"]))
    privileges = sandbox_privileges.drop_privileges(config.get("uid"),
                                                    int(config.get("max_processes", 8)))
    status = apply_landlock(config["read_paths"], config["write_files"])
    refused, seccomp_error = sandbox_seccomp.install_filter(seccomp_lib)
    return {"landlock_abi": status.landlock_abi, "filesystem": status.filesystem,
            "network": status.network, "signals": status.signals, "memory_mb": mb,
            "error": status.error, "uid": privileges.uid,
            "capabilities": privileges.capabilities, "no_new_privs": privileges.no_new_privs,
            "max_processes": privileges.max_processes, "seccomp_refused": refused,
            "privileges_error": privileges.error, "seccomp_error": seccomp_error}
