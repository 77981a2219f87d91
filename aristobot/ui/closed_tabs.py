"""Closed browser tabs are normal: their failed websocket writes must not reach the log.

When a tab closes while Panel is sending it an update, Panel cancels its pending writes at the
session's end, but a write that had already failed (``WebSocketClosedError``) is a finished task
nobody awaits, and asyncio logs « Task exception was never retrieved » with a traceback when it
is collected. This loop exception handler drops exactly that case (debug log) and hands every
other report to the handler that was there before.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from tornado.iostream import StreamClosedError
from tornado.websocket import WebSocketClosedError

log = logging.getLogger(__name__)

_NEVER_RETRIEVED = "Task exception was never retrieved"


def is_closed_tab_noise(context: dict[str, Any]) -> bool:
    """True for an unawaited websocket write that failed because its tab was closed."""
    exc = context.get("exception")
    return (context.get("message") == _NEVER_RETRIEVED
            and isinstance(exc, WebSocketClosedError | StreamClosedError))


def ignore_closed_tab_writes(loop: asyncio.AbstractEventLoop) -> None:
    """Install the filter on ``loop`` (idempotent), in front of the current handler."""
    previous = loop.get_exception_handler()
    if getattr(previous, "_aristobot_closed_tabs", False):
        return

    def handler(lp: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if is_closed_tab_noise(context):
            log.debug("write to a closed tab dropped: %r", context.get("future"))
            return
        if previous is not None:
            previous(lp, context)
        else:
            lp.default_exception_handler(context)

    handler._aristobot_closed_tabs = True  # type: ignore[attr-defined]
    loop.set_exception_handler(handler)
