"""SQLite's single writer, taken in turn through a lock file instead of SQLite's busy handler.

SQLite lets one connection write at a time. A connection that finds the database locked sleeps
in SQLite's busy handler, in steps of up to 100 ms, and retries: behind a stream of short write
transactions from another process (the webhook order process beside the receiver), a writer
can wait hundreds of milliseconds although the lock was free most of that time.

Every connection of a file database therefore takes an exclusive ``flock`` on
``<database>.writer-lock`` before its first data-changing statement of a transaction, and
gives it back when the transaction ends (commit, rollback, close). A waiter sleeps in the
kernel and is woken the moment the holder releases it; SQLite's own lock is then free. The
lock dies with its process (``flock``), so a crashed writer never leaves it taken.

``flock`` is not fair: a process that commits and writes again at once (the order process)
takes the lock back before the woken waiter runs. Processes that may lag (the order processes,
:func:`yield_to_others`) therefore give way: every other writer holds ``<database>.writer-
lock.waiting`` shared while it waits for the lock and writes, and a yielding process takes
that file exclusive (and lets it go) before it asks for the lock; a receiver thus waits for
at most the one transaction under way.

Inside one process, the threads take a gate (a ``threading.Lock``) before the file lock, so
that at most one thread per process waits in the kernel. A thread that cannot pass the gate
within ``GATE_TIMEOUT_S`` (another thread of this process holds the writer lock that long,
e.g. a transaction left open while it waits for this very thread) goes on without the writer
lock: SQLite's own busy handler then applies, with its own timeout and clear error, exactly as
before this module existed. A wait inside the process never hangs for ever.

Two rules follow: a write transaction must stay short (no network call, no ``await`` on
something slow while it is open: every writer of every process waits for it); and a thread
that already holds the lock through one connection does not wait for it through another (it
falls back to SQLite's busy handler, as before, instead of waiting for itself).

:func:`begin_write` takes the lock at the start of a read-modify-write transaction
(``BEGIN IMMEDIATE`` on SQLite, so the reads see the last committed state and no other writer
can commit before this one).
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
from typing import Any

from sqlalchemy.orm import Session

LOCK_SUFFIX = ".writer-lock"
WAITING_SUFFIX = ".writer-lock.waiting"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_holders = threading.local()  # connections holding the lock in this thread
_gate = threading.Lock()  # one thread of this process holds or waits for the file lock
#: How long a thread waits for another thread of its process before falling back to SQLite's
#: busy handler (its ``busy_timeout`` is 10 s too).
GATE_TIMEOUT_S = 10.0
log = logging.getLogger(__name__)
_yielding = False  # this process's writers give way to the others


def _new_gate_in_child() -> None:
    global _gate
    _gate = threading.Lock()  # a fork copies the gate as it was, maybe held by a thread gone


os.register_at_fork(after_in_child=_new_gate_in_child)


def yield_to_others() -> None:
    """Make this process's writers wait while a writer of another process waits (call once,
    early: the order processes)."""
    global _yielding
    _yielding = True


def _open(path: str) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def lock_path(database: str) -> str | None:
    """The lock file of a SQLite database path (None for in-memory and URI databases)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}{LOCK_SUFFIX}"


def _held_here() -> set[int]:
    held: set[int] | None = getattr(_holders, "ids", None)
    if held is None:
        held = _holders.ids = set()
    return held


class LockingConnection(sqlite3.Connection):
    """A sqlite3 connection that holds the database's writer lock while it writes."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        path = lock_path(os.fspath(database)) if isinstance(database, (str, os.PathLike)) \
            else None
        self._lock_fd = _open(path) if path else None
        self._waiting_fd = _open(path.replace(LOCK_SUFFIX, WAITING_SUFFIX)) if path else None
        self._holding = False

    @property
    def holds_writer_lock(self) -> bool:
        return self._holding

    def take_writer_lock(self) -> None:
        """Wait for the writer lock (woken by the kernel when it is released)."""
        if self._holding or self._lock_fd is None:
            return
        held = _held_here()
        if held:  # this thread holds it through another connection: never wait for itself
            return
        assert self._waiting_fd is not None
        if not _gate.acquire(timeout=GATE_TIMEOUT_S):
            log.warning("writer lock held by another thread of this process for %.0f s: "
                        "writing under SQLite's busy handler instead", GATE_TIMEOUT_S)
            return
        try:
            if _yielding:  # let every writer that waits now go first
                fcntl.flock(self._waiting_fd, fcntl.LOCK_EX)
                fcntl.flock(self._waiting_fd, fcntl.LOCK_UN)
            else:  # tell the yielding processes that a writer waits
                fcntl.flock(self._waiting_fd, fcntl.LOCK_SH)
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX)  # releases the GIL while it waits
            except BaseException:
                fcntl.flock(self._waiting_fd, fcntl.LOCK_UN)
                raise
        except BaseException:
            _gate.release()
            raise
        self._holding = True
        held.add(id(self))

    def _give_back(self) -> None:
        if self._holding and self._lock_fd is not None:
            self._holding = False
            _held_here().discard(id(self))
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                if self._waiting_fd is not None and not _yielding:
                    fcntl.flock(self._waiting_fd, fcntl.LOCK_UN)
            finally:
                _gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._give_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            if not self.in_transaction:
                self._give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_back()
            for fd in (self._lock_fd, self._waiting_fd):
                if fd is not None:
                    os.close(fd)
            self._lock_fd = self._waiting_fd = None


def is_write(statement: str) -> bool:
    return statement.lstrip()[:7].upper().startswith(_WRITES)


def before_cursor_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    """Engine event: take the writer lock before a transaction's first write."""
    dbapi = conn.connection.driver_connection
    if isinstance(dbapi, LockingConnection) and not dbapi.holds_writer_lock \
            and is_write(statement):
        dbapi.take_writer_lock()


def begin_write(s: Session) -> None:
    """Start ``s``'s transaction as a writer, before its reads (call first in the block).

    SQLite: the writer lock, then ``BEGIN IMMEDIATE`` (SQLite's write lock at once: the
    transaction's reads see the last commit and nobody else commits before it ends).
    PostgreSQL: nothing here; the caller locks the rows it will change (``FOR UPDATE``).
    """
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        return
    dbapi = conn.connection.driver_connection
    if isinstance(dbapi, sqlite3.Connection) and not dbapi.in_transaction:
        if isinstance(dbapi, LockingConnection):
            dbapi.take_writer_lock()
        conn.exec_driver_sql("BEGIN IMMEDIATE")
