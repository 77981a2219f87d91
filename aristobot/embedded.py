"""Background work of the dashboard process.

Always: the status hub. In embedded mode (``settings.embedded_services``, the default without
Redis) also the headless services — heartbeat, markets loading at start, later the engine and
webhooks — as asyncio tasks of the Panel server's loop. In production they run as separate
processes (``python -m services.<name>``) and talk through Redis.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aristobot.runtime import Runtime
from aristobot.status import get_hub

log = logging.getLogger(__name__)

#: name -> "module:function" of ``async def serve(runtime)`` run in embedded mode.
EMBEDDED_SERVICES: dict[str, str] = {
    "heartbeat": "aristobot.heartbeat.service:serve",
    "markets": "aristobot.brokers.markets:load_missing_markets",
    "strategy_pool": "aristobot.strategies.pool:serve",
    "paper_matcher": "aristobot.trading.paper_matcher:serve",
    "engine": "aristobot.engine.service:serve",  # holds its own single-instance lock
    # A child process placing the orders of webhook alerts (the receiver only answers).
    "webhook_orders": "aristobot.webhooks.orders:serve_embedded",
}
#: Services whose double start would duplicate effects: run under a single-instance lock.
SINGLE_INSTANCE = frozenset({"heartbeat"})


def _resolve(path: str) -> Callable[[Runtime], Awaitable[Any]]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def _supervise(name: str, coro: Awaitable[Any]) -> asyncio.Task[Any]:
    async def runner() -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:
            # The dashboard stays up without the failed service: its absence shows in the
            # status bar (heartbeat/engine « arrêté »), and the trace is in the log. In
            # production each service is its own process and exits non-zero instead.
            log.exception("embedded service %s stopped with an error", name)

    return asyncio.get_running_loop().create_task(runner(), name=f"aristobot:{name}")


def _single_instance(name: str, serve: Callable[[Runtime], Awaitable[Any]]
                     ) -> Callable[[Runtime], Awaitable[Any]]:
    async def locked(runtime: Runtime) -> Any:
        from aristobot.engine.instance_lock import InstanceLock

        lock = InstanceLock(runtime.settings.database_url, name)
        await asyncio.to_thread(lock.acquire)
        try:
            return await serve(runtime)
        finally:
            lock.release()

    return locked


def start(runtime: Runtime) -> list[asyncio.Task[Any]]:
    """Start the background tasks on the running loop; they stop at ``runtime.aclose()``."""
    tasks = [_supervise("status_hub", get_hub(runtime).run(runtime))]
    if runtime.settings.embedded_services:
        for name, path in EMBEDDED_SERVICES.items():
            serve = _resolve(path)
            if name in SINGLE_INSTANCE:
                serve = _single_instance(name, serve)
            tasks.append(_supervise(name, serve(runtime)))
            log.info("embedded service %s started", name)

    async def stop() -> None:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    runtime.on_close(stop)
    return tasks
