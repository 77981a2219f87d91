"""The worker's system-call filter: libseccomp (Debian's ``libseccomp2``) driven through ctypes.

Everything is allowed except the calls below, which fail with ``EPERM`` (a clean Python
``PermissionError`` in user code, rather than a killed process):

* every new socket (``socket``, ``socketpair``): the worker talks to the pool over inherited
  pipes, so UDP, raw/ICMP/packet sockets and Unix sockets (PostgreSQL's trust-auth socket
  included) are all refused, whatever Landlock's ABI covers;
* memory outside ``RLIMIT_AS``: ``memfd_create``, ``memfd_secret``, System V shared memory,
  message queues and semaphores, POSIX message queues;
* escapes and kernel attack surface: ``ptrace``, ``process_vm_*``, ``pidfd_getfd``, ``kcmp``,
  ``unshare``/``setns`` and ``clone`` with a namespace flag (``clone3`` answers ``ENOSYS`` so
  that glibc falls back to ``clone``, whose flags can be checked), the mount API, ``chroot``,
  ``keyctl``, ``bpf``, ``perf_event_open``, ``userfaultfd``, ``io_uring``, modules, kexec,
  reboot, clocks, ``TIOCSTI``/``TIOCLINUX`` ioctls and a few more (see ``REFUSED``).

System calls of other architectures (e.g. 32-bit ``int 0x80``) kill the process (libseccomp's
default for a foreign architecture).
"""

from __future__ import annotations

import ctypes
import errno

#: System calls refused with EPERM (names unknown to this libseccomp/arch are skipped).
REFUSED = (
    # new sockets of any family
    "socket", "socketpair",
    # memory that RLIMIT_AS does not count
    "memfd_create", "memfd_secret", "shmget", "shmat", "shmctl", "msgget", "msgsnd", "msgrcv",
    "msgctl", "semget", "semop", "semtimedop", "semctl", "mq_open", "mq_timedsend",
    # other processes and namespaces
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp", "unshare",
    "setns",
    # mounts and the filesystem root
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsmount",
    "fsconfig", "fspick", "mount_setattr", "name_to_handle_at", "open_by_handle_at",
    "fanotify_init", "quotactl", "quotactl_fd", "swapon", "swapoff", "acct",
    # kernel attack surface
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "init_module", "finit_module",
    "delete_module", "kexec_load", "kexec_file_load", "reboot", "syslog", "vhangup",
    "lookup_dcookie", "personality", "uselib", "iopl", "ioperm", "modify_ldt",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
)
#: ``clone`` flags that create a namespace (refused: a new user namespace grants capabilities).
CLONE_NAMESPACE_FLAGS = (0x00000080, 0x00020000, 0x02000000, 0x04000000, 0x08000000,
                         0x10000000, 0x20000000, 0x40000000)
_TTY_IOCTLS = (0x5412, 0x541C)  # TIOCSTI (type into the terminal), TIOCLINUX

_ACT_ALLOW = 0x7FFF0000
_CMP_MASKED_EQ = 7


def _act_errno(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


def load_libseccomp() -> ctypes.CDLL | None:
    """Open libseccomp (do it before Landlock closes the disk); None when it is missing."""
    try:
        lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    except OSError:
        return None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.restype = ctypes.c_int
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.restype = ctypes.c_int
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                           ctypes.c_uint, ctypes.POINTER(_ArgCmp)]
    lib.seccomp_load.restype = ctypes.c_int
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.restype = None
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    return lib


def install_filter(lib: ctypes.CDLL | None) -> tuple[int, str | None]:
    """Load the filter into this process for good; return (calls refused, error or None)."""
    if lib is None:
        return 0, "libseccomp.so.2 introuvable (paquet Debian libseccomp2)"
    ctx = lib.seccomp_init(_ACT_ALLOW)
    if not ctx:
        return 0, "seccomp_init failed"
    try:
        refused = _add_rules(lib, ctx)
        rc = lib.seccomp_load(ctx)
        if rc != 0:
            return 0, f"seccomp_load failed: {errno.errorcode.get(-rc, rc)}"
    except OSError as e:
        return 0, str(e)
    finally:
        lib.seccomp_release(ctx)
    return refused, None


def _add_rules(lib: ctypes.CDLL, ctx: int) -> int:
    eperm = _act_errno(errno.EPERM)
    count = 0
    for name in REFUSED:
        nr = lib.seccomp_syscall_resolve_name(name.encode())
        if nr < 0:
            continue  # not a system call of this architecture (or too new for libseccomp)
        _rule(lib, ctx, eperm, nr)
        count += 1
    clone = lib.seccomp_syscall_resolve_name(b"clone")
    for flag in CLONE_NAMESPACE_FLAGS:
        _rule(lib, ctx, eperm, clone, _ArgCmp(0, _CMP_MASKED_EQ, flag, flag))
    ioctl = lib.seccomp_syscall_resolve_name(b"ioctl")
    for request in _TTY_IOCTLS:
        _rule(lib, ctx, eperm, ioctl, _ArgCmp(1, _CMP_MASKED_EQ, 0xFFFFFFFF, request))
    clone3 = lib.seccomp_syscall_resolve_name(b"clone3")
    if clone3 >= 0:
        _rule(lib, ctx, _act_errno(errno.ENOSYS), clone3)
    return count + 3


def _rule(lib: ctypes.CDLL, ctx: int, action: int, nr: int, cmp: _ArgCmp | None = None) -> None:
    args = (_ArgCmp * 1)(cmp) if cmp is not None else None
    rc = lib.seccomp_rule_add_array(ctx, action, nr, 1 if cmp is not None else 0, args)
    if rc != 0:
        raise OSError(-rc, f"seccomp_rule_add_array({nr}) failed")
