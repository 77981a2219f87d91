"""``python -m services.replay``: an offline Binance (trade stream + public REST) on localhost.

Examples::

    python -m services.replay                                   # synthetic market, real time
    python -m services.replay --synthetic --speed 60            # 1 market minute per second
    python -m services.replay --tape my.tape.gz --rebase-now    # a recorded tape, played now
    python -m services.replay --fault pause:15@+30 --fault drop@+90   # a stall, then a drop
    python -m services.replay --resume var/replay.state         # continue after a restart
    python -m services.replay --record my.tape.gz --from-url wss://stream.binance.com:9443 \\
        --symbols BTCUSDT --seconds 600                          # record a live stream

It serves, on one port: the trade streams (``/stream?streams=btcusdt@trade`` and
``/ws/btcusdt@trade``) and Binance's public REST API (``/api/v3/exchangeInfo`` for the served
symbols and the majors, ``/api/v3/klines``, ``/api/v3/ticker/price|24hr|bookTicker``,
``/api/v3/time``, ``/api/v3/ping``). Klines before the market's start come from a seeded
synthetic history (``--no-history`` to serve replayed trades only); a kline is served only
once fully observed (a tape's first, partial minute never is). The whole workbench offline:
``./run.sh --offline`` (see README).

Tape format (what --record writes, what --tape reads; .gz accepted): one websocket frame per
line, ``<recv_time> <json>``: ``recv_time`` is the local receive time in epoch ms, ``json``
the frame exactly as Binance sent it (combined-stream envelope ``{"stream":…,"data":{…}}`` or
a raw event). A line holding only the JSON is accepted too. Only ``trade`` events are
replayed (other events and unreadable lines are skipped), in exchange-time order (``T``,
then trade id); the event time ``E`` is kept as recorded; ``recv_time`` is not used for
pacing (the exchange times are).

Faults (``--fault KIND[:ARG]@WHEN``, repeatable; or ``GET /control/KIND?arg=N`` with
``--control``): ``pause:S`` holds every frame S seconds then delivers them late, ``drop``
aborts the connections, ``garbage:N`` sends N malformed frames, ``shutdown`` announces
``serverShutdown``, ``lose:N`` never streams the next N trades. ``WHEN`` is ``+S`` (wall
seconds after the start) or a market time (epoch ms or ISO 8601 UTC).

Resume (``--resume STATE``): the position is saved into STATE every second and at exit; a
restart with the same STATE continues with the trade after the last one produced (same
source and options, read from STATE). Trades produced before the restart stay in the REST
klines; a market that runs on the wall clock (synthetic, ``--rebase-now``) was quiet while
the replay was down.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aristobot.replay import ReplayServer, SyntheticMarket, read_tape, record
from aristobot.replay.faults import Fault, parse_fault
from aristobot.replay.history import FIXED_ANCHOR_MS, SyntheticHistory
from aristobot.replay.sources import SourceTrades, TapeTrade
from aristobot.replay.symbols import MAJORS, spec_for


def _fault(spec: str) -> Fault:
    try:
        return parse_fault(spec)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m services.replay", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--tape", type=Path, help="tape file: <recv_time> <json> per line (.gz ok)")
    src.add_argument("--synthetic", action="store_true", help="seeded synthetic market (default)")
    src.add_argument("--record", type=Path, metavar="TAPE", help="record --from-url into TAPE")
    p.add_argument("--from-url", default="wss://stream.binance.com:9443", help="stream to record")
    p.add_argument("--seconds", type=float, default=60.0, help="recording duration")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9443, help="0 picks a free port")
    p.add_argument("--symbols", default="BTCUSDT", help="comma separated, e.g. BTCUSDT,ETHUSDT")
    p.add_argument("--seed", type=int, default=42, help="synthetic market and history seed")
    p.add_argument("--rate", type=float, default=20.0, help="synthetic trades per market second")
    p.add_argument("--silent-every", type=int, default=0,
                   help="synthetic: every n-th minute has no trade (quiet market)")
    p.add_argument("--speed", default="1", help="1 = real time, 60 = 1 min/s, max = unpaced")
    p.add_argument("--rebase-now", action="store_true", help="shift the tape to start now")
    p.add_argument("--limit", type=int, default=None, help="stop after N trades")
    p.add_argument("--no-history", action="store_true",
                   help="serve no synthetic klines before the market's start")
    p.add_argument("--fault", type=_fault, action="append", default=[], metavar="SPEC",
                   help="inject a fault: KIND[:ARG]@WHEN (see above)")
    p.add_argument("--control", action="store_true",
                   help="accept GET /control/KIND?arg=N (faults on demand, localhost)")
    p.add_argument("--resume", type=Path, metavar="STATE", help="save/resume the position")
    args = p.parse_args(argv)
    if args.speed != "max":
        try:
            if float(args.speed) <= 0:
                raise ValueError
        except ValueError:
            p.error(f"--speed: a positive number or max, not {args.speed!r}")
    return args


def _source(cfg: dict[str, Any]) -> tuple[Iterator[TapeTrade], int | None] | str:
    """Return (trades, first trade time) for a source description, or an error text."""
    symbols = tuple(cfg["symbols"])
    if cfg["kind"] == "tape":
        if not Path(cfg["path"]).is_file():
            return f"tape not found: {cfg['path']}"
        taped = [t for t in read_tape(Path(cfg["path"])) if t.symbol in symbols]
        if not taped:
            return f"no trade of {','.join(symbols)} in {cfg['path']}"
        return iter(taped), taped[0].ts_ms
    specs = {s: spec_for(s) for s in symbols}
    # the market starts where its seeded history is: the same klines at every run
    start = {s: SyntheticHistory(sp, cfg["seed"], FIXED_ANCHOR_MS, sp.price)
             .price_at(cfg["start_ms"]) for s, sp in specs.items()}
    market = SyntheticMarket(
        symbols, seed=cfg["seed"], start_ms=cfg["start_ms"], rate_per_s=cfg["rate"],
        silent_every_n_minutes=cfg["silent_every"], start_prices=start,
        decimals={s: sp.price_decimals for s, sp in specs.items()})
    trades: SourceTrades = market.trades()
    return trades, cfg["start_ms"]


def _config(args: argparse.Namespace, now: int) -> dict[str, Any]:
    symbols = [s.strip().upper() for s in args.symbols.split(",") if s.strip()]
    base = {"symbols": symbols, "speed": args.speed, "seed": args.seed,
            "history": not args.no_history}
    if args.tape:
        return {**base, "kind": "tape", "path": str(args.tape.resolve()),
                "follow_wall": bool(args.rebase_now)}
    # the synthetic market is known from the minute it starts in: its first minute is whole
    return {**base, "kind": "synthetic", "start_ms": now - now % 60_000, "rate": args.rate,
            "silent_every": args.silent_every, "follow_wall": True}


def build_server(args: argparse.Namespace,
                 now: int) -> tuple[ReplayServer, dict[str, Any]] | str:
    """Build the server and its source description (from the arguments or the resume
    state), or return an error text."""
    saved: dict[str, Any] | None = None
    if args.resume and args.resume.exists():
        saved = json.loads(args.resume.read_text())
    cfg = saved["source"] if saved else _config(args, now)
    built = _source(cfg)
    if isinstance(built, str):
        return built
    trades, first_ts = built
    speed = None if cfg["speed"] == "max" else float(cfg["speed"])
    shift, clock, preload, preload_shift = 0, None, 0, 0
    if saved:
        pos = saved["replay"]
        preload, preload_shift = int(pos["emitted"]), int(pos["shift_ms"])
        shift = preload_shift
        if cfg["follow_wall"] and pos["last_ts_ms"] is not None:
            # the market went on (quietly) while the replay was down; time never goes back
            shift = max(shift, now - int(pos["last_ts_ms"]))
            clock = int(pos["last_ts_ms"]) + shift
    elif cfg["kind"] == "tape" and cfg["follow_wall"] and first_ts is not None:
        shift = now - first_ts
    elif cfg["kind"] == "synthetic":
        clock = now
    markets = dict(MAJORS)
    markets.update({s: spec_for(s) for s in cfg["symbols"] if s not in markets})
    server = ReplayServer(
        trades, speed=speed, shift_ms=shift, host=args.host, port=args.port, limit=args.limit,
        clock_ms=clock if speed is not None else None,
        history_seed=cfg["seed"] if cfg["history"] else None, markets=markets,
        anchor_on_trades=cfg["kind"] == "tape",
        faults=tuple(args.fault), control=args.control, preload=preload,
        preload_shift_ms=preload_shift)
    return server, cfg


def save_state(path: Path, cfg: dict[str, Any], server: ReplayServer) -> None:
    """Write the resume state atomically."""
    body = {"version": 1, "source": cfg, "replay": server.state()}
    tmp = path.with_suffix(path.suffix + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_text(json.dumps(body))
    tmp.replace(path)


async def _saver(path: Path, cfg: dict[str, Any], server: ReplayServer) -> None:
    while True:
        save_state(path, cfg, server)
        await asyncio.sleep(1.0)


async def main(args: argparse.Namespace) -> int:
    symbols = tuple(s.strip().upper() for s in args.symbols.split(",") if s.strip())
    if args.record:
        n = await record(args.from_url, symbols, args.record, seconds=args.seconds)
        print(f"recorded {n} frames into {args.record}", flush=True)
        return 0
    built = build_server(args, int(time.time() * 1000))
    if isinstance(built, str):
        print(built, file=sys.stderr)
        return 2
    server, cfg = built
    await server.start()
    print(f"REPLAY_URL {server.url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    saver = loop.create_task(_saver(args.resume, cfg, server)) if args.resume else None
    waiter = asyncio.ensure_future(stop.wait())
    await asyncio.wait([waiter, asyncio.ensure_future(server.finished.wait())],
                       return_when=asyncio.FIRST_COMPLETED)
    if server.finished.is_set() and not stop.is_set():
        await asyncio.sleep(1.0)  # let clients read the tail
    if saver is not None:
        saver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await saver
    await server.stop()
    if args.resume:
        save_state(args.resume, cfg, server)
    print(f"replayed {server.emitted} trades, sent {server.sent} frames", flush=True)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main(parse_args())))
