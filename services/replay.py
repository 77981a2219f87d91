"""``python -m services.replay``: an offline Binance trade stream (tape or synthetic market).

Examples::

    python -m services.replay --synthetic --speed 60            # 1 market minute per second
    python -m services.replay --tape my.tape.gz --rebase-now    # a recorded tape, played now
    python -m services.replay --record my.tape.gz --from-url wss://stream.binance.com:9443 \
        --symbols BTCUSDT --seconds 600                          # record a live stream

Then point the heartbeat at it: ``ARISTOBOT_BINANCE_WS_URL=ws://127.0.0.1:PORT`` and
``ARISTOBOT_BINANCE_REST_URL=http://127.0.0.1:PORT`` (klines for the backfill).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import time
from pathlib import Path

from aristobot.replay import ReplayServer, SyntheticMarket, read_tape, record


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m services.replay", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--tape", type=Path, help="tape file: one Binance frame per line (.gz ok)")
    src.add_argument("--synthetic", action="store_true", help="seeded synthetic market (default)")
    src.add_argument("--record", type=Path, metavar="TAPE", help="record --from-url into TAPE")
    p.add_argument("--from-url", default="wss://stream.binance.com:9443", help="stream to record")
    p.add_argument("--seconds", type=float, default=60.0, help="recording duration")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9443, help="0 picks a free port")
    p.add_argument("--symbols", default="BTCUSDT", help="comma separated, e.g. BTCUSDT,ETHUSDT")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--rate", type=float, default=20.0, help="synthetic trades per market second")
    p.add_argument("--silent-every", type=int, default=0,
                   help="synthetic: every n-th minute has no trade (quiet market)")
    p.add_argument("--speed", default="1", help="1 = real time, 60 = 1 min/s, max = unpaced")
    p.add_argument("--rebase-now", action="store_true", help="shift the tape to start now")
    p.add_argument("--limit", type=int, default=None, help="stop after N trades")
    return p.parse_args(argv)


async def main(args: argparse.Namespace) -> int:
    symbols = tuple(s.strip().upper() for s in args.symbols.split(",") if s.strip())
    if args.record:
        n = await record(args.from_url, symbols, args.record, seconds=args.seconds)
        print(f"recorded {n} frames into {args.record}", flush=True)
        return 0
    now = int(time.time() * 1000)
    shift = 0
    if args.tape:
        trades = [t for t in read_tape(args.tape) if t.symbol in symbols]
        if not trades:
            print(f"no trade of {','.join(symbols)} in {args.tape}", file=sys.stderr)
            return 2
        shift = now - trades[0].ts_ms if args.rebase_now else 0
        source = iter(trades)
    else:
        market = SyntheticMarket(symbols, seed=args.seed, start_ms=now, rate_per_s=args.rate,
                                 silent_every_n_minutes=args.silent_every)
        source = market.trades()
    speed = None if args.speed == "max" else float(args.speed)
    server = ReplayServer(source, speed=speed, shift_ms=shift, host=args.host, port=args.port,
                          limit=args.limit, keep_history=speed is not None)
    await server.start()
    print(f"REPLAY_URL {server.url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    waiter = asyncio.ensure_future(stop.wait())
    await asyncio.wait([waiter, asyncio.ensure_future(server.finished.wait())],
                       return_when=asyncio.FIRST_COMPLETED)
    if server.finished.is_set() and not stop.is_set():
        await asyncio.sleep(1.0)  # let clients read the tail
    await server.stop()
    print(f"replayed {server.emitted} trades, sent {server.sent} frames", flush=True)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main(parse_args())))
