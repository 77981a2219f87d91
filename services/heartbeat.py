"""``python -m services.heartbeat``: the heartbeat as its own process (production, Redis bus).

Streams Binance trades for ARISTOBOT_HEARTBEAT_SYMBOLS, stores 1m..4h candles, verifies every
closed 1m candle against Binance's klines and publishes ``Heartbeat`` signals on Redis. Needs
ARISTOBOT_REDIS_URL and ARISTOBOT_DATABASE_URL; ARISTOBOT_BINANCE_WS_URL /
ARISTOBOT_BINANCE_REST_URL point it at a replay (``python -m services.replay``) offline.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("services.heartbeat")

DESCRIPTION = """Aristobot heartbeat (production: PostgreSQL + Redis).

Listens to Binance trades, builds the candles, stores them, verifies every closed 1m candle
against Binance's klines and publishes one `Heartbeat` signal per closed timeframe boundary.
Needs ARISTOBOT_REDIS_URL and ARISTOBOT_DATABASE_URL; ARISTOBOT_BINANCE_WS_URL and
ARISTOBOT_BINANCE_REST_URL point it at a replay (`python -m services.replay`) offline.
Only one heartbeat may run against a database (advisory lock): a second one would publish
every signal twice. Configuration comes from ARISTOBOT_* variables (see .env.example)."""


async def main() -> None:
    """Run until SIGINT/SIGTERM; the stop time is written before exiting."""
    from aristobot.config import get_settings
    from aristobot.engine.instance_lock import InstanceLock
    from aristobot.heartbeat import require_shared_bus, serve
    from aristobot.runtime import build_runtime

    settings = get_settings()
    require_shared_bus(settings.redis_url)
    lock = InstanceLock(settings.database_url, "heartbeat").acquire()
    try:
        await _serve(build_runtime(settings), serve)
    finally:
        lock.release()


async def _serve(runtime: Any, serve: Callable[[Any], Awaitable[None]]) -> None:
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


def run(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m services.heartbeat", description=DESCRIPTION,
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


if __name__ == "__main__":
    sys.exit(run())
