"""``python -m services.heartbeat``: the heartbeat as its own process (production, Redis bus)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aristobot.config import get_settings
from aristobot.errors import AristobotError
from aristobot.heartbeat import require_shared_bus, serve
from aristobot.runtime import build_runtime

log = logging.getLogger("services.heartbeat")


async def main() -> None:
    """Run until SIGINT/SIGTERM; the stop time is written before exiting."""
    settings = get_settings()
    require_shared_bus(settings.redis_url)
    runtime = build_runtime(settings)
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await serve(runtime)
    except asyncio.CancelledError:
        log.info("heartbeat stopped by signal")
    finally:
        await runtime.aclose()


def run() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        asyncio.run(main())
    except AristobotError as e:
        print(e.user_message(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(run())
