"""Database engines and sessions for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: The database and the files SQLite keeps beside it.
_SQLITE_FILES = ("", "-wal", "-shm", "-journal", ".writer-lock", ".writer-lock.waiting")


def secure_sqlite_file(url: str) -> None:
    """Create the SQLite file of ``url`` readable by its owner only (0600) before SQLite does
    (its -wal/-shm/-journal files take the database's mode), in a 0700 directory when that
    directory is new; fix the mode of files left by older versions. No-op for other URLs."""
    if not url.startswith("sqlite"):
        return
    raw = url.split("///", 1)[-1].split("?", 1)[0]
    if not raw or raw == ":memory:" or raw.startswith("file:"):
        return
    path = Path(raw)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is a valid DB
    for suffix in _SQLITE_FILES:
        side = Path(f"{path}{suffix}")
        if side.exists() and stat.S_IMODE(side.stat().st_mode) & 0o077:
            log.warning("%s was readable by others: mode set to 0600", side)
            os.chmod(side, 0o600)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL, a busy timeout and, for a file, the
    cross-process writer lock (:mod:`aristobot.db.writelock`)."""
    if url.startswith("sqlite"):
        from aristobot.db import writelock

        secure_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "factory": writelock.LockingConnection},
                               **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "before_cursor_execute", writelock.before_cursor_execute)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
    return create_engine(url, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory; use ``with sessions.begin() as s:``."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Any:
    """Return an Alembic Config pointing at the packaged migrations and ``url``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str, revision: str = "heads") -> None:
    """Apply every migration up to ``revision`` (idempotent)."""
    from alembic import command

    secure_sqlite_file(url)
    command.upgrade(alembic_config(url), revision)
    log.info("database migrated to %s", revision)
