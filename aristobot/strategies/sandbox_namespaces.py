"""The worker's namespaces: the command line that starts it under bubblewrap (``bwrap``).

``bwrap`` (Debian package ``bubblewrap``) starts the worker in new PID, network, IPC, UTS and
mount namespaces (plus a user namespace when the pool is not root):

* PID: the worker is process 2 under a small ``bwrap`` init; when the pool kills the outer
  ``bwrap`` (or dies: ``--die-with-parent``), that init dies and the kernel kills EVERY process
  of the namespace, ``fork`` + ``setsid`` children included. Other processes are invisible.
* network: only a loopback of its own (nothing listens there); the seccomp filter refuses new
  sockets anyway.
* mount: a fresh root holding only what the worker reads (Python, the virtualenv, the project,
  system libraries) read-only, a minimal ``/dev`` and a ``/proc`` of its own namespace:
  ``var/``, ``/tmp``, ``/home``, ``/run`` (PostgreSQL's socket) simply do not exist there.
* ``--new-session``: no controlling terminal to inject keystrokes into.

Without ``bwrap`` the worker starts directly (loudly reported): process-group kill only, so a
``setsid`` child may outlive its worker.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")  # merged-/usr symlinks
_ETC = ("/etc/ld.so.cache", "/etc/localtime")
#: bwrap exits 128 + n when the worker is killed by signal n.
SIGNAL_EXIT_BASE = 128


def bwrap_path() -> str | None:
    """Return the ``bwrap`` executable, or None when bubblewrap is not installed."""
    return shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin")


def wrap(command: Sequence[str], read_roots: Iterable[Path], bwrap: str) -> list[str]:
    """Return ``command`` run by ``bwrap`` in new namespaces, seeing only ``read_roots``."""
    args = [bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net",
            "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() != 0:
        # An unprivileged pool needs a user namespace to create the others. A root pool must
        # NOT use one: the worker's uid inside would map to root outside.
        args.append("--unshare-user")
    args += _filesystem(read_roots)
    args += ["--chdir", "/", "--", *command]
    return args


def _filesystem(read_roots: Iterable[Path]) -> list[str]:
    args: list[str] = []
    for link in _LINKS:
        path = Path(link)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), link]
        elif path.is_dir():
            args += ["--ro-bind", link, link]
    roots = sorted({Path(r) for r in read_roots if Path(r).exists()} |
                   {Path(e) for e in _ETC if Path(e).exists()})
    kept = [r for r in roots if not any(p in roots for p in r.parents)  # outermost only
            and str(r) not in _LINKS]
    # bwrap would create the parents 0700: the worker's uid could not walk through them.
    parents = sorted({p for r in kept for p in r.parents if p != Path("/")},
                     key=lambda p: len(p.parts))
    for parent in parents:
        args += ["--perms", "0755", "--dir", str(parent)]
    for root in kept:
        args += ["--ro-bind", str(root), str(root)]
    return [*args, "--dev", "/dev", "--proc", "/proc"]


def translate_exit(returncode: int | None, wrapped: bool) -> int | None:
    """Return the worker's own exit status (negative: killed by that signal)."""
    if wrapped and returncode is not None and returncode > SIGNAL_EXIT_BASE:
        return -(returncode - SIGNAL_EXIT_BASE)
    return returncode
