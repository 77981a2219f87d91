"""The workbench a notebook talks to: its configured database, opened and migrated on demand.

Research code never builds sessions or runs migrations: the first call that needs the
database reads the settings (``.env`` of the project, then ``ARISTOBOT_*`` variables, as the
dashboard does), migrates the database and keeps one engine for the process. ``use()`` points
the facade at another database (a throw-away one in tests, an offline market's), ``close()``
lets it go.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from aristobot.config import Settings
from aristobot.db.engine import make_engine, make_sessionmaker, migrate


@dataclass
class Workbench:
    """The settings, engine and sessions the facade uses (built by :func:`workbench`)."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    _closed: bool = field(default=False, repr=False)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.engine.dispose()


_lock = threading.Lock()
_current: Workbench | None = None


def project_root(start: Path | None = None) -> Path:
    """Return the workbench's folder: the nearest parent of ``start`` with ``apps/main.py``.

    A notebook runs with ``notebooks/`` as its working directory; the workbench's ``.env`` and
    ``var/`` are one level up. Falls back to ``start`` itself.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "apps" / "main.py").is_file() or (folder / ".env").is_file():
            return folder
    return here


def open_workbench(settings: Settings) -> Workbench:
    """Migrate ``settings``' database and return a workbench on it."""
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    return Workbench(settings, engine, make_sessionmaker(engine))


def workbench() -> Workbench:
    """Return the facade's workbench, opening the configured one on first use."""
    global _current
    with _lock:
        if _current is None:
            _current = open_workbench(Settings.from_env(root=project_root()))
        return _current


def settings() -> Settings:
    """Return the facade's settings (the open workbench's, else read from the environment)."""
    with _lock:
        if _current is not None:
            return _current.settings
    return Settings.from_env(root=project_root())


def use(database_url: str | None = None, *, settings: Settings | None = None,
        exchange_urls: dict[str, str] | None = None) -> Workbench:
    """Point the facade at another database and/or exchange URLs; return the new workbench.

    ``database_url``: ``sqlite:///…`` or ``postgresql+psycopg://…`` (migrated here).
    ``exchange_urls``: exchange id → local base URL (a replay or a fake exchange), like
    ``ARISTOBOT_EXCHANGE_URL_OVERRIDES``.
    """
    global _current
    base = settings or Settings.from_env(root=project_root())
    if database_url is not None:
        base = replace(base, database_url=database_url)
    if exchange_urls is not None:
        base = replace(base, exchange_url_overrides={**base.exchange_url_overrides,
                                                     **exchange_urls})
    new = open_workbench(base)
    with _lock:
        old, _current = _current, new
    if old is not None:
        old.close()
    return new


def close() -> None:
    """Dispose of the facade's database engine (the next call opens the configured one)."""
    global _current
    with _lock:
        old, _current = _current, None
    if old is not None:
        old.close()
