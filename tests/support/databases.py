"""Real databases for tests: a migrated SQLite template, and a private PostgreSQL database.

``ARISTOBOT_TEST_DATABASE_URL`` / ``ARISTOBOT_TEST_REDIS_URL`` name the servers. When one is set
and unreachable the tests **fail** (never skip); ``skip`` as value turns that backend off.
Each pytest process works in its own PostgreSQL database and its own Redis channel namespace,
so several test runs can share the servers.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from aristobot.db.engine import make_engine, migrate

RUN_ID = uuid.uuid4().hex[:10]


def pg_admin_url() -> str | None:
    url = os.environ.get("ARISTOBOT_TEST_DATABASE_URL", "").strip()
    return None if url in ("", "skip") else url


def redis_test_url() -> str | None:
    url = os.environ.get("ARISTOBOT_TEST_REDIS_URL", "").strip()
    return None if url in ("", "skip") else url


def create_pg_database(admin_url: str) -> str:
    """Create a private database for this run; return its URL (raises if PG is unreachable)."""
    name = f"aristobot_t_{RUN_ID}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


def drop_pg_database(admin_url: str, url: str) -> None:
    name = url.rpartition("/")[2]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def truncate_all(engine: Engine) -> None:
    """Empty every table (PostgreSQL), keeping the migrated schema."""
    from aristobot.db.models import Base

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as c:
        c.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


class SqliteTemplate:
    """Migrate once, then copy the file for every test (fast and fully isolated)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "template.db"
        migrate(f"sqlite:///{self.path}")
        # Fold the WAL into the main file so that a plain copy is complete.
        eng = make_engine(f"sqlite:///{self.path}")
        with eng.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        eng.dispose()

    def fresh_url(self, folder: Path) -> str:
        target = folder / "aristobot.db"
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"
