"""What every headless service process shares: ``--help``, logging, SIGINT/SIGTERM, exit codes.

``python -m services.X`` modules describe themselves and pass their ``main`` coroutine to
``run_service``; nothing here touches the database, Redis or the network, so ``--help`` works
with none of them.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # ``--help`` must not import the database or Redis layers
    from aristobot.runtime import Runtime


def run_service(prog: str, description: str, argv: list[str] | None,
                main: Callable[[], Coroutine[Any, Any, None]]) -> int:
    """Parse ``argv`` (``--help`` exits here), run ``main`` and return the exit code.

    An ``AristobotError`` (a refused configuration, a second instance) prints its French
    message and gives 2.
    """
    argparse.ArgumentParser(prog=prog, description=description,
                            formatter_class=argparse.RawDescriptionHelpFormatter
                            ).parse_args(argv)
    from aristobot.errors import AristobotError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        asyncio.run(main())
    except AristobotError as e:
        print(e.user_message(), file=sys.stderr)
        return 2
    return 0


async def serve_until_signal(runtime: Runtime, serve: Callable[[Runtime], Awaitable[None]],
                             log: logging.Logger) -> None:
    """Run ``serve(runtime)`` until SIGINT/SIGTERM, then close the runtime."""
    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("serve_until_signal must run inside a task")
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await serve(runtime)
    except asyncio.CancelledError:
        log.info("stopped by signal")
    finally:
        await runtime.aclose()
