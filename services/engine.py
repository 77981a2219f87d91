"""``python -m services.engine``: the live trading engine as its own process (production)."""

from __future__ import annotations

import logging
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
    from aristobot.service_process import serve_until_signal

    settings = get_settings()
    require_shared_bus(settings.redis_url)
    await serve_until_signal(build_runtime(settings), serve, log)


def run(argv: list[str] | None = None) -> int:
    from aristobot.service_process import run_service

    return run_service("python -m services.engine", DESCRIPTION, argv, main)


if __name__ == "__main__":
    sys.exit(run())
