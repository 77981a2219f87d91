"""The sandbox's building blocks on their own: bwrap command line, exit codes, worker uids,
the seccomp filter's list (the escapes themselves run through the real pool in
tests/integration/strategies/test_sandbox_escapes.py)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from aristobot.strategies import sandbox_namespaces, sandbox_privileges, sandbox_seccomp


def test_bwrap_command_isolates_and_binds_read_only(tmp_path: Path) -> None:
    root = tmp_path / "deep" / "venv"
    root.mkdir(parents=True)
    args = sandbox_namespaces.wrap(["python", "-c", "pass"], [root], "/usr/bin/bwrap")
    for flag in ("--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net",
                 "--unshare-ipc"):
        assert flag in args
    assert ("--unshare-user" in args) == (os.geteuid() != 0)  # never a userns for root
    i = args.index(str(root))
    assert args[i - 1] == "--ro-bind" and args[i + 1] == str(root)
    j = args.index(str(tmp_path / "deep"))
    assert args[j - 3: j] == ["--perms", "0755", "--dir"]  # walkable by the worker's uid
    assert args[-4:] == ["--", "python", "-c", "pass"]
    assert "--bind" not in args and "/var" not in args and "/run" not in args


def test_bwrap_signal_exit_translated() -> None:
    code = sandbox_namespaces.SIGNAL_EXIT_BASE + signal.SIGXCPU
    assert sandbox_namespaces.translate_exit(code, wrapped=True) == -signal.SIGXCPU
    assert sandbox_namespaces.translate_exit(7, wrapped=True) == 7
    assert sandbox_namespaces.translate_exit(code, wrapped=False) == code


def test_worker_uids_unique_and_unprivileged() -> None:
    uids = {sandbox_privileges.worker_uid(slot, pool_pid=pid)
            for pid in (1, 2, 4_194_303) for slot in range(64)}
    assert len(uids) == 3 * 64
    assert min(uids) >= sandbox_privileges.WORKER_UID_BASE and max(uids) < 2**32 - 1


def test_seccomp_refuses_what_the_escapes_need() -> None:
    for name in ("socket", "socketpair", "memfd_create", "ptrace", "unshare", "setns",
                 "mount", "keyctl", "bpf", "perf_event_open", "io_uring_setup", "shmget"):
        assert name in sandbox_seccomp.REFUSED
    assert sandbox_seccomp.load_libseccomp() is not None  # libseccomp2 is installed
