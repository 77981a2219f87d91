"""The loop filter for writes to closed tabs drops exactly those, and nothing else."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from tornado.websocket import WebSocketClosedError

from aristobot.ui.closed_tabs import ignore_closed_tab_writes, is_closed_tab_noise


def test_only_unretrieved_closed_socket_writes_are_noise() -> None:
    never = "Task exception was never retrieved"
    assert is_closed_tab_noise({"message": never, "exception": WebSocketClosedError()})
    assert not is_closed_tab_noise({"message": never, "exception": ValueError("x")})
    assert not is_closed_tab_noise({"message": "Task was destroyed but it is pending!"})
    assert not is_closed_tab_noise({"message": "other", "exception": WebSocketClosedError()})


def test_the_filter_drops_closed_tab_writes_and_passes_the_rest_on() -> None:
    seen: list[dict[str, Any]] = []
    loop = asyncio.new_event_loop()
    try:
        loop.set_exception_handler(lambda lp, ctx: seen.append(ctx))
        ignore_closed_tab_writes(loop)
        ignore_closed_tab_writes(loop)  # idempotent: one filter, the first handler kept

        async def write() -> None:
            raise WebSocketClosedError()

        async def bug() -> None:
            raise ValueError("a real bug")

        async def main() -> None:
            for coro in (write(), bug()):
                task = asyncio.ensure_future(coro)
                await asyncio.wait([task])
                del task  # nobody retrieves the exception: asyncio reports it when collected
            gc.collect()

        loop.run_until_complete(main())
    finally:
        loop.close()
    assert [type(c.get("exception")) for c in seen] == [ValueError]
