"""Single-instance guard for services whose double start would duplicate effects.

PostgreSQL: a session-level advisory lock held on a dedicated connection for the life of the
service (released by the server when the process dies, however it dies). SQLite: an exclusive
``flock`` on a file next to the database (released by the kernel when the process dies).
A second instance gets :class:`ServiceAlreadyRunning` (French) instead of running.
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from aristobot.errors import ServiceAlreadyRunning

log = logging.getLogger(__name__)
# High 32 bits of every Aristobot advisory lock key (« ARIS »), low 32 bits from the name.
_NAMESPACE = 0x41524953


def advisory_key(service: str) -> int:
    """The signed 64-bit advisory lock key of ``service``."""
    key = (_NAMESPACE << 32) | zlib.crc32(service.encode())
    return key - (1 << 64) if key >= 1 << 63 else key


def sqlite_lock_path(database_url: str, service: str) -> Path:
    """The lock file of ``service`` for a SQLite database URL."""
    db = database_url.split("///", 1)[-1]
    if not db or db == ":memory:":
        raise ValueError("an in-memory SQLite database cannot be locked across processes")
    return Path(db).with_name(f"{Path(db).name}.{service}.lock")


class InstanceLock:
    """Hold the single-instance lock of ``service`` until :meth:`release`."""

    def __init__(self, database_url: str, service: str) -> None:
        self.database_url = database_url
        self.service = service
        self._file: IO[str] | None = None
        self._engine: Engine | None = None
        self._conn: Any = None

    def acquire(self) -> InstanceLock:
        """Take the lock or raise :class:`ServiceAlreadyRunning`."""
        if self.database_url.startswith("sqlite"):
            self._acquire_file()
        else:
            self._acquire_advisory()
        log.info("%s: single-instance lock acquired", self.service)
        return self

    def _acquire_file(self) -> None:
        path = sqlite_lock_path(self.database_url, self.service)
        path.parent.mkdir(parents=True, exist_ok=True)
        f = open(path, "a+")  # noqa: SIM115 - held open for the life of the service
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            raise ServiceAlreadyRunning(service=self.service, where=f"verrou {path}") from None
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n")
        f.flush()
        self._file = f

    def _acquire_advisory(self) -> None:
        engine = create_engine(self.database_url, poolclass=NullPool)
        conn = engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                               {"k": advisory_key(self.service)}).scalar()
            conn.commit()
        except BaseException:
            conn.close()
            engine.dispose()
            raise
        if not got:
            conn.close()
            engine.dispose()
            raise ServiceAlreadyRunning(service=self.service,
                                        where="verrou consultatif PostgreSQL")
        self._engine, self._conn = engine, conn

    def release(self) -> None:
        """Release the lock (idempotent; the OS/server also release it at process exit)."""
        if self._file is not None:
            try:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            finally:
                self._file.close()
                self._file = None
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"),
                                   {"k": advisory_key(self.service)})
                self._conn.commit()
            except SQLAlchemyError:
                # Closing the connection below releases the session's advisory locks too.
                log.warning("%s: advisory unlock failed (the server drops it anyway)",
                            self.service, exc_info=True)
            finally:
                self._conn.close()
                self._conn = None
                if self._engine is not None:
                    self._engine.dispose()
                    self._engine = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
