"""``python -m services.heartbeat``: the heartbeat as its own process (production, Redis bus).

Streams Binance trades for ARISTOBOT_HEARTBEAT_SYMBOLS, stores 1m..4h candles, verifies every
closed 1m candle against Binance's klines and publishes ``Heartbeat`` signals on Redis. Needs
ARISTOBOT_REDIS_URL and ARISTOBOT_DATABASE_URL; ARISTOBOT_BINANCE_WS_URL /
ARISTOBOT_BINANCE_REST_URL point it at a replay (``python -m services.replay``) offline.
"""

from __future__ import annotations

import logging
import sys

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
    from aristobot.service_process import serve_until_signal

    settings = get_settings()
    require_shared_bus(settings.redis_url)
    lock = InstanceLock(settings.database_url, "heartbeat").acquire()
    try:
        await serve_until_signal(build_runtime(settings), serve, log)
    finally:
        lock.release()


def run(argv: list[str] | None = None) -> int:
    from aristobot.service_process import run_service

    return run_service("python -m services.heartbeat", DESCRIPTION, argv, main)


if __name__ == "__main__":
    sys.exit(run())
