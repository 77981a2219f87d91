"""The process runtime: settings, database, bus and vault, built once per process.

Services and the dashboard receive a ``Runtime``. Process-wide components that services add
later (the CCXT manager, the strategy worker pool, the status hub…) are kept under a typed
:class:`Slot` declared by the module that owns them (``runtime.provide(POOL, build)``), so
the runtime never imports a service and every lookup is typed; closers registered with
``on_close`` run in reverse order at ``aclose()``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Generic, TypeAlias, TypeVar, cast

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from aristobot.bus import Bus, make_bus
from aristobot.config import Settings, ensure_secret_key
from aristobot.db.engine import make_engine, make_sessionmaker, migrate
from aristobot.security import Vault

log = logging.getLogger(__name__)
T = TypeVar("T")
#: How a page or a service opens database sessions (``with sessions() as s:``).
SessionFactory: TypeAlias = sessionmaker[Session]


class Slot(Generic[T]):
    """The typed key of one process-wide component (declared by the module that owns it)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Slot({self.name})"


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: SessionFactory
    bus: Bus
    vault: Vault
    _components: dict[Slot[Any], Any] = field(default_factory=dict)
    _closers: list[Callable[[], Awaitable[None] | None]] = field(default_factory=list)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def get(self, slot: Slot[T]) -> T | None:
        """Return the component in ``slot``, None when nothing was provided yet."""
        return cast("T | None", self._components.get(slot))

    def provide(self, slot: Slot[T], build: Callable[[], T]) -> T:
        """Return the component in ``slot``, building and keeping it on first use."""
        if slot not in self._components:
            self._components[slot] = build()
        return cast(T, self._components[slot])

    def install(self, slot: Slot[T], component: T) -> None:
        """Put ``component`` in ``slot`` (replacing any; tests install configured ones)."""
        self._components[slot] = component

    def spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        """Run ``coro`` as a task the runtime keeps alive; its failure is logged as ``what``.

        For fire-and-forget work started by a page (a markets reload): nobody awaits it, so
        its error is logged here rather than lost with the task.
        """
        task = asyncio.get_running_loop().create_task(coro, name=f"aristobot:{what}")
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("background %s failed", what, exc_info=t.exception())

        task.add_done_callback(done)
        return task

    def on_close(self, fn: Callable[[], Awaitable[None] | None]) -> None:
        """Register ``fn`` to run at ``aclose()`` (last registered runs first)."""
        self._closers.append(fn)

    async def aclose(self) -> None:
        """Close every registered component, then the bus and the engine."""
        while self._closers:
            fn = self._closers.pop()
            try:
                result = fn()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                # Shutdown: one component failing to close must not leave the others
                # (and the database engine) open; each failure is logged with its trace.
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
