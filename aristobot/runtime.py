"""The process runtime: settings, database, bus and vault, built once per process.

Services and the dashboard receive a ``Runtime``; adapters that later parts add (the CCXT
manager, the strategy worker pool, the heartbeat) register themselves in ``components``
and are closed in reverse order by ``aclose()``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from aristobot.bus import Bus, make_bus
from aristobot.config import Settings, ensure_secret_key
from aristobot.db.engine import make_engine, make_sessionmaker, migrate
from aristobot.security import Vault

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    bus: Bus
    vault: Vault
    components: dict[str, Any] = field(default_factory=dict)
    _closers: list[Callable[[], Awaitable[None] | None]] = field(default_factory=list)

    def on_close(self, fn: Callable[[], Awaitable[None] | None]) -> None:
        """Register ``fn`` to run at ``aclose()`` (last registered runs first)."""
        self._closers.append(fn)

    async def aclose(self) -> None:
        """Close every registered component, then the bus and the engine."""
        import inspect

        while self._closers:
            fn = self._closers.pop()
            try:
                result = fn()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("error while closing a component")
        await self.bus.close()
        self.engine.dispose()


def build_runtime(settings: Settings, *, run_migrations: bool = True) -> Runtime:
    """Create the runtime for ``settings`` (applies migrations unless told not to)."""
    if run_migrations:
        migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    secret = ensure_secret_key(settings)
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        bus=make_bus(settings.redis_url, settings.bus_namespace),
        vault=Vault(secret, settings.old_secret_keys),
    )


_current: Runtime | None = None


def set_current(runtime: Runtime | None) -> None:
    """Install the process-wide runtime (the dashboard process only)."""
    global _current
    _current = runtime


def current() -> Runtime:
    """Return the process-wide runtime installed by ``apps/app_hooks.py``."""
    if _current is None:
        raise RuntimeError("no runtime installed: start through `panel serve apps/`")
    return _current
