"""Load on one webhook receiver over loopback, orders placed by separate order processes.

    .venv/bin/python benchmarks/webhooks_load.py [--rate 200] [--duration 60] [--dup-every 10]
        [--order-processes 1] [--database-url URL] [--redis-url URL]

Starts the production layout on 127.0.0.1 (never another address): one receiver
(``python -m services.webhooks --role receiver``) and ``order-processes`` order processes
(``--role orders``) — or, with ``--order-processes 0``, one ``--role all`` process whose child
places the orders (the dashboard's embedded layout) — against a fresh database (temporary
SQLite file by default; pass an empty PostgreSQL database's URL for production figures) with
a paper broker priced by a fresh candle, so orders are really placed. Sends ``rate`` alerts
per second for ``duration`` seconds (bounded: ≤ 1000/s, ≤ 600 s), every ``dup-every``-th one
a copy of an earlier alert. Prints the answer times (p50, p99, max), rows stored vs requests
sent, orders placed vs accepted alerts, the alerts that produced more than one order, the
drain time (last answer → every accepted alert closed) and /proc/loadavg.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "bench-secret-key-0123456789"
HOST = "127.0.0.1"


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "?"


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a running process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare(url: str) -> tuple[str, str]:
    """Migrate, create a user with a paper broker, a fresh BTC/USDT price and a source."""
    from sqlalchemy import func, select

    from aristobot.accounts.users import create_user
    from aristobot.brokers import ensure_default_paper_broker
    from aristobot.db.engine import make_engine, make_sessionmaker, migrate
    from aristobot.db.models import CandleRow, WebhookRow
    from aristobot.security import Vault
    from aristobot.webhooks import create_source

    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        if s.scalar(select(func.count()).select_from(WebhookRow)):
            raise SystemExit("the database already holds webhooks: give an empty one")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with sessions.begin() as s:
        user = create_user(s, f"bench{int(time.time())}", "motdepasse-bench-1")
        ensure_default_paper_broker(s, user.id, "100000000")
        p = Decimal("50000")
        s.add(CandleRow(exchange="binance", symbol="BTC/USDT", timeframe="1m",
                        open_time=now + timedelta(minutes=30), close_time=now
                        + timedelta(minutes=31), open=p, high=p, low=p, close=p,
                        volume=Decimal(1)))
        src = create_source(s, Vault(SECRET_KEY), user.id, "bench",
                            rate_limit_per_minute=100_000)
    engine.dispose()
    return src.token, src.secret


def _env(url: str, redis: str, var_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARISTOBOT_")}
    env.update({"ARISTOBOT_DATABASE_URL": url, "ARISTOBOT_REDIS_URL": redis,
                "ARISTOBOT_SECRET_KEY": SECRET_KEY, "ARISTOBOT_VAR_DIR": var_dir,
                "ARISTOBOT_BUS_NAMESPACE": f"bench{os.getpid()}:",
                "ARISTOBOT_LOG_LEVEL": "WARNING",
                "ARISTOBOT_BINANCE_REST_URL": "http://127.0.0.1:9"})
    return env


def start_orders(url: str, redis: str, var_dir: str, n: int,
                 nice: int | None) -> list[subprocess.Popen[bytes]]:
    procs = []
    extra = [] if nice is None else ["--nice", str(nice)]
    for i in range(n):
        log = open(Path(var_dir) / f"orders{i}.log", "wb")  # noqa: SIM115 (lives with it)
        procs.append(subprocess.Popen([sys.executable, "-m", "services.webhooks", "--role",
                                       "orders", *extra], cwd=ROOT, env=_env(url, redis, var_dir),
                                      stdout=log, stderr=subprocess.STDOUT))
    return procs


def start_receiver(url: str, redis: str, var_dir: str,
                   role: str) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = int(sock.getsockname()[1])
    log = open(Path(var_dir) / "receiver.log", "wb")  # noqa: SIM115 (lives with the process)
    proc = subprocess.Popen([sys.executable, "-m", "services.webhooks", "--role", role,
                             "--address", HOST, "--port", str(port)], cwd=ROOT,
                            env=_env(url, redis, var_dir), stdout=log,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit((Path(var_dir) / "receiver.log").read_text())
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("receiver did not start")


async def fire(port: int, token: str, secret: str, rate: float, duration: float,
               dup_every: int) -> tuple[list[float], Counter[str], int]:
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=256)
    client = AsyncHTTPClient()
    url = f"http://{HOST}:{port}/webhooks/{token}"
    times: list[float] = []
    outcomes: Counter[str] = Counter()
    total = int(rate * duration)

    async def one(i: int) -> None:
        alert_id = f"a{i - dup_every // 2}" if dup_every and i % dup_every == dup_every - 1 \
            else f"a{i}"
        body = json.dumps({"secret": secret, "id": alert_id, "action": "buy",
                           "symbol": "BTCUSDT", "quantity": "0.0001"})
        t = time.perf_counter()
        try:
            r = await client.fetch(url, method="POST", body=body, raise_error=False,
                                   request_timeout=120, connect_timeout=120)
        except Exception as e:  # a failed request is a figure, not a crash
            outcomes[f"client error {type(e).__name__}"] += 1
            return
        times.append(time.perf_counter() - t)
        status = json.loads(r.body)["status"] if r.body else f"http {r.code}"
        outcomes[status] += 1

    start = time.perf_counter()
    tasks = []
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return times, outcomes, total


@dataclass
class Check:
    rows: int  # webhooks rows stored
    drain_s: float | None  # last answer → no alert accepted or under way (None: timed out)
    statuses: dict[str, int]  # webhooks rows per status
    orders: int  # trades rows (one per order attempt)
    filled: int
    doubles: int  # alerts (by alert id) with more than one order


def verify(url: str, answered_at: float, timeout_s: float) -> Check:
    """Wait until every accepted alert is closed, then count rows, orders and doubles."""
    from sqlalchemy import func, select

    from aristobot.db.engine import make_engine, make_sessionmaker
    from aristobot.db.models import TradeRow, WebhookRow
    from aristobot.webhooks.claims import pending_count

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    drain: float | None = None
    while time.monotonic() < answered_at + timeout_s:
        if pending_count(sessions) == 0:
            drain = time.monotonic() - answered_at
            break
        time.sleep(0.2)
    with sessions() as s:
        rows = int(s.scalar(select(func.count()).select_from(WebhookRow)) or 0)
        by_status = select(WebhookRow.status, func.count()).group_by(WebhookRow.status)
        statuses = {str(k): int(v) for k, v in s.execute(by_status).all()}
        pairs = s.execute(select(TradeRow.status, WebhookRow.payload)
                          .join(WebhookRow, WebhookRow.id == TradeRow.webhook_id)).all()
    engine.dispose()
    per_alert = Counter(str(p["id"]) for _, p in pairs)
    doubles = sum(1 for n in per_alert.values() if n > 1)
    filled = sum(1 for st, _ in pairs if st == "filled")
    return Check(rows, drain, statuses, len(pairs), filled, doubles)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rate", type=float, default=200.0)
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--dup-every", type=int, default=10)
    p.add_argument("--order-processes", type=int, default=1,
                   help="separate `--role orders` processes (0: `--role all`, the receiver's "
                        "own child order process, as in the dashboard)")
    p.add_argument("--orders-nice", type=int, default=None, metavar="N",
                   help="--nice N for the separate order processes (default: theirs)")
    p.add_argument("--drain-timeout", type=float, default=300.0)
    p.add_argument("--receiver-only", action="store_true",
                   help="no order process (the receiver's answers alone; orders not placed)")
    p.add_argument("--database-url", default=None)
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    a = p.parse_args()
    if not (0 < a.rate <= 1000 and 0 < a.duration <= 600 and 0 <= a.order_processes <= 8):
        raise SystemExit("bounds: 0 < rate ≤ 1000, 0 < duration ≤ 600, 0 ≤ processes ≤ 8")
    print(f"loadavg at start: {loadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        url = a.database_url or f"sqlite:///{tmp}/bench.db"
        token, secret = prepare(url)
        orders = ([] if a.receiver_only
                  else start_orders(url, a.redis_url, tmp, a.order_processes,
                                a.orders_nice))
        proc, port = start_receiver(url, a.redis_url, tmp,
                                    "receiver" if a.order_processes or a.receiver_only
                                    else "all")
        try:
            times, outcomes, sent = asyncio.run(fire(port, token, secret, a.rate, a.duration,
                                                     a.dup_every))
            answered_at = time.monotonic()
            q = statistics.quantiles(times, n=100)
            print(f"database: {url.split(':')[0]}; sent {sent} at {a.rate:g}/s for "
                  f"{a.duration:g} s (every {a.dup_every}th a duplicate); 1 receiver, "
                  + ("no order process" if a.receiver_only
                     else f"{a.order_processes} separate order process(es)" if a.order_processes
                     else "its child order process (--role all)"))
            if a.orders_nice is not None:
                print(f"order processes: --nice {a.orders_nice}")
            print(f"answers: {dict(outcomes)}")
            print(f"answer time: p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, "
                  f"max {max(times) * 1000:.1f} ms", flush=True)
            print(f"loadavg at the last answer: {loadavg()}", flush=True)
            receiver_cpu = cpu_s(proc.pid)
            c = verify(url, answered_at, 0 if a.receiver_only else a.drain_timeout)
            orders_cpu = sum(cpu_s(o.pid) for o in orders)
        finally:
            for p_ in (proc, *orders):
                p_.terminate()
            for p_ in (proc, *orders):
                try:
                    p_.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    p_.kill()
                    p_.wait()
    accepted = outcomes.get("accepted", 0)
    print(f"rows stored {c.rows} of {sent} sent (lost {sent - c.rows}); webhook rows by "
          f"status {c.statuses}")
    print(f"orders placed {c.filled} (filled) of {accepted} expected; order attempts "
          f"{c.orders}; alerts with more than one order {c.doubles}; accepted alerts "
          f"closed without an order (waited too long) {accepted - c.orders}")
    drain = f"{c.drain_s:.1f} s" if c.drain_s is not None else f"> {a.drain_timeout:g} s"
    # Work counted, not timed: comparable across runs even on a loaded machine.
    print(f"CPU: receiver process {receiver_cpu / sent * 1000:.2f} ms per request; separate "
          f"order processes {orders_cpu / max(c.orders, 1) * 1000:.2f} ms per order attempt")
    print(f"drain time (last answer → every accepted alert closed): {drain}")
    print(f"loadavg at end: {loadavg()}")


if __name__ == "__main__":
    main()
