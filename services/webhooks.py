"""``python -m services.webhooks``: the TradingView receiver as its own process (production).

Several may run behind one reverse proxy: duplicates are caught by a unique key in the
database, and an alert is claimed by one process only. Needs Redis (the dashboard hears the
trades through it) and, for several processes, PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from aristobot.errors import AristobotError

log = logging.getLogger("services.webhooks")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m services.webhooks",
        description="TradingView webhook receiver: POST /webhooks/<token> (store first, "
                    "answer fast, order after the answer).")
    p.add_argument("--port", type=int, default=8081, help="port to listen on (default 8081)")
    p.add_argument("--address", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: put a reverse proxy in front)")
    p.add_argument("--trusted-proxy", action="append", default=[], metavar="IP",
                   help="reverse proxy whose X-Real-IP / X-Forwarded-For is believed "
                        "(for the per-source IP allow-list); repeatable")
    p.add_argument("--max-body", type=int, default=16 * 1024,
                   help="largest accepted body in bytes (default 16384)")
    return p.parse_args(argv)


async def main(args: argparse.Namespace) -> None:
    """Serve until SIGINT/SIGTERM, then let the orders under way finish."""
    from tornado.web import Application

    from aristobot.config import get_settings
    from aristobot.errors import ConfigError
    from aristobot.runtime import build_runtime
    from aristobot.webhooks.http import build_intake, routes

    settings = get_settings()
    if not settings.redis_url:
        raise ConfigError(key="ARISTOBOT_REDIS_URL", reason=(
            "le récepteur de webhooks lancé comme processus séparé a besoin de Redis ; sans "
            "Redis, il tourne déjà dans `aristobot serve` (mode embarqué)"))
    runtime = build_runtime(settings)
    intake = build_intake(runtime, max_body=args.max_body,
                          trusted_proxies=tuple(args.trusted_proxy))
    app = Application(routes(lambda: intake))
    # Bodies up to 4x the limit are read so that they are stored (as refused); beyond that
    # Tornado closes the connection.
    server = app.listen(args.port, args.address, max_body_size=4 * args.max_body)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"webhooks: http://{args.address}:{args.port}/webhooks/<jeton>", flush=True)
    try:
        await stop.wait()
    finally:
        server.stop()
        await runtime.aclose()


def run(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        asyncio.run(main(args))
    except AristobotError as e:
        print(e.user_message(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(run())
