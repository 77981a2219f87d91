"""``python -m services.webhooks``: the TradingView receiver and the order process (production).

Roles: ``receiver`` answers ``POST /webhooks/<token>`` (store first, answer fast; several may
run behind one reverse proxy); ``orders`` places the orders of the stored alerts (claimed from
the database, so any number of them never place one twice); ``all`` (the default) runs a
receiver here and an order process as its child. A receiver needs Redis (it wakes the order
processes through it, and they poll the database anyway).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

from aristobot.errors import AristobotError

log = logging.getLogger("services.webhooks")
ROLES = ("all", "receiver", "orders")
ORDERS_NICE = 10  # answers are due within 3 s; orders may lag behind them


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m services.webhooks",
        description="TradingView webhook receiver: POST /webhooks/<token> (store first, "
                    "answer fast) and the order process (orders placed after the answer).")
    p.add_argument("--role", choices=ROLES, default="all",
                   help="all (default): a receiver and its child order process; receiver: "
                        "HTTP only; orders: place the orders of stored alerts only")
    p.add_argument("--port", type=int, default=8081, help="port to listen on (default 8081)")
    p.add_argument("--address", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: put a reverse proxy in front)")
    p.add_argument("--trusted-proxy", action="append", default=[], metavar="IP",
                   help="reverse proxy whose X-Real-IP / X-Forwarded-For is believed "
                        "(for the per-source IP allow-list); repeatable")
    p.add_argument("--max-body", type=int, default=16 * 1024,
                   help="largest accepted body in bytes (default 16384)")
    p.add_argument("--nice", type=int, default=ORDERS_NICE, metavar="N",
                   help=f"orders role: lower this process's CPU priority by N (default "
                        f"{ORDERS_NICE}), so that on a busy machine the receivers answer first "
                        "and the orders follow")
    p.add_argument("--wake-stdin", action="store_true",
                   help="orders role: woken by bytes on stdin, stops at its end (set by the "
                        "process that starts it)")
    return p.parse_args(argv)


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def orders(args: argparse.Namespace) -> None:
    """Place the orders of stored alerts until SIGINT/SIGTERM (or stdin's end)."""
    from aristobot.config import get_settings
    from aristobot.db import writelock
    from aristobot.runtime import build_runtime
    from aristobot.webhooks.orders import OrderRunner

    if args.nice > 0:
        os.nice(args.nice)
    writelock.yield_to_others()  # SQLite: a receiver's write goes before the next order's
    runtime = build_runtime(get_settings())
    runner = OrderRunner(runtime)
    stop = asyncio.Event()
    _stop_on_signals(stop)
    if args.wake_stdin:
        runner.wake_on_stdin(stop.set)
    task = asyncio.create_task(runner.serve())
    try:
        await asyncio.wait([task, asyncio.create_task(stop.wait())],
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        task.cancel()  # the orders under way finish first (OrderRunner.serve)
        await asyncio.gather(task, return_exceptions=True)
        await runtime.aclose()


async def receiver(args: argparse.Namespace) -> None:
    """Serve until SIGINT/SIGTERM; with role ``all``, an order process runs as a child."""
    from tornado.web import Application

    from aristobot.config import get_settings
    from aristobot.errors import ConfigError
    from aristobot.runtime import build_runtime
    from aristobot.webhooks.http import build_intake, routes
    from aristobot.webhooks.orders import OrderChild, add_waker

    settings = get_settings()
    if not settings.redis_url:
        raise ConfigError(key="ARISTOBOT_REDIS_URL", reason=(
            "le récepteur de webhooks lancé comme processus séparé a besoin de Redis ; sans "
            "Redis, il tourne déjà dans `aristobot serve` (mode embarqué)"))
    runtime = build_runtime(settings)
    child_task = None
    if args.role == "all":
        child = OrderChild(runtime)
        add_waker(runtime, child.wake)
        child_task = asyncio.create_task(child.serve())
    intake = build_intake(runtime, max_body=args.max_body,
                          trusted_proxies=tuple(args.trusted_proxy))
    app = Application(routes(lambda: intake))
    # Bodies up to 4x the limit are read so that they are stored (as refused); beyond that
    # Tornado closes the connection.
    server = app.listen(args.port, args.address, max_body_size=4 * args.max_body)
    stop = asyncio.Event()
    _stop_on_signals(stop)
    print(f"webhooks: http://{args.address}:{args.port}/webhooks/<jeton>", flush=True)
    try:
        await stop.wait()
    finally:
        server.stop()
        if child_task is not None:  # the child finishes its orders under way, then exits
            child_task.cancel()
            await asyncio.gather(child_task, return_exceptions=True)
        await runtime.aclose()


def run(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        asyncio.run(orders(args) if args.role == "orders" else receiver(args))
    except AristobotError as e:
        print(e.user_message(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(run())
