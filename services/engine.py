"""``python -m services.engine``: the live trading engine as its own process (production)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

log = logging.getLogger("services.engine")

DESCRIPTION = """Aristobot live trading engine (production: PostgreSQL + Redis).

On each Heartbeat signal it decides once per active strategy and candle, places the orders
through the trading layer, checks stop loss / take profit every minute and publishes its state
on `engine.status`. Only one engine may run against a database (advisory lock). A signal missed
while the engine was down is not replayed. Configuration comes from ARISTOBOT_* variables (see
.env.example); without Redis the engine already runs inside `panel serve apps/`."""


async def main() -> None:
    """Run until SIGINT/SIGTERM."""
    from aristobot.config import get_settings
    from aristobot.engine.service import serve
    from aristobot.heartbeat import require_shared_bus
    from aristobot.runtime import build_runtime

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
        log.info("engine stopped by signal")
    finally:
        await runtime.aclose()


def run(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m services.engine", description=DESCRIPTION,
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
