"""Start and stop of the dashboard process (called from apps/app_hooks.py)."""

from __future__ import annotations

import asyncio
import logging

from aristobot import embedded
from aristobot import runtime as runtime_mod
from aristobot.accounts.debug_mode import enforce_debug_setting
from aristobot.config import get_settings
from aristobot.logging_setup import configure_logging

log = logging.getLogger(__name__)


def server_loaded() -> None:
    """Build the process runtime, enforce the debug setting and start background work."""
    settings = get_settings()
    configure_logging(settings.log_level)
    rt = runtime_mod.build_runtime(settings)
    with rt.sessions.begin() as s:
        enforce_debug_setting(s, settings.debug_aristobot)
    runtime_mod.set_current(rt)
    embedded.start(rt)
    log.info(
        "Aristobot ready (%s, %s bus)",
        settings.database_url.split(":")[0],
        "redis" if settings.redis_url else "in-process",
    )


def server_unloaded() -> None:
    """Stop background work and close connections (synchronous Bokeh hook)."""
    try:
        rt = runtime_mod.current()
    except RuntimeError:
        return
    runtime_mod.set_current(None)
    loop = asyncio.get_event_loop()
    if loop.is_running():
        loop.create_task(rt.aclose())
    else:
        loop.run_until_complete(rt.aclose())


def session_destroyed() -> None:
    """Note a browser session's end (its tab closed and Bokeh discarded it)."""
    log.info("browser session closed")
