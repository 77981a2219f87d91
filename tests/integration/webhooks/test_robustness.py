"""Database unavailable, two receiver processes on PostgreSQL, and user isolation."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from tornado.httpclient import AsyncHTTPClient

from aristobot.brokers import BrokerDraft, create_broker
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.db.models import TradeRow, WebhookDedupRow, WebhookRow
from aristobot.errors import NotFound
from aristobot.runtime import Runtime
from aristobot.webhooks import create_source, list_sources
from aristobot.webhooks.receiver import IncomingRequest, Receiver, now_utc
from tests.integration.webhooks.conftest import Hook
from tests.support import databases as dbs
from tests.support.factories import make_user
from tests.support.fake_binance import FakeBinance

ROOT = Path(__file__).resolve().parents[3]


def _counts(rt: Runtime) -> tuple[int, int, int]:
    with rt.sessions() as s:
        return tuple(int(s.scalar(select(func.count()).select_from(t)) or 0)  # type: ignore[return-value]
                     for t in (WebhookRow, WebhookDedupRow, TradeRow))


def _request(hook: Hook, alert_id: str) -> IncomingRequest:
    body = json.dumps(hook.alert(id=alert_id)).encode()
    return IncomingRequest(hook.source.token, body, "application/json", "127.0.0.1", now_utc())


async def test_database_down_gives_503_and_stores_nothing(hook: Hook, tmp_path: Path) -> None:
    # A server that is not there: refused before anything is written.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/nothing")
    out = Receiver(make_sessionmaker(dead)).receive(_request(hook, "a1"))
    dead.dispose()
    assert out.http_status == 503 and out.webhook_id is None
    assert "Base de données indisponible" in out.message
    assert _counts(hook.runtime) == (0, 0, 0)


async def test_failure_half_way_leaves_no_row(hook: Hook) -> None:
    """The webhooks row is written, then the duplicate claim cannot be: all is rolled back."""
    rt = hook.runtime
    if rt.engine.dialect.name != "postgresql":
        pytest.skip("table locks with a timeout are a PostgreSQL test")
    engine = make_engine(rt.settings.database_url,
                         connect_args={"options": "-c lock_timeout=300"})
    blocker = rt.engine.connect()
    tx = blocker.begin()
    blocker.execute(text("LOCK TABLE webhook_dedup IN ACCESS EXCLUSIVE MODE"))
    try:
        out = await asyncio.to_thread(Receiver(make_sessionmaker(engine)).receive,
                                      _request(hook, "half"))
    finally:
        tx.rollback()
        blocker.close()
        engine.dispose()
    assert out.http_status == 503
    assert _counts(rt) == (0, 0, 0)
    out = Receiver(rt.sessions).receive(_request(hook, "half"))  # the retry goes through
    assert out.http_status == 200 and _counts(rt)[:2] == (1, 1)


async def test_user_isolation(hook: Hook) -> None:
    rt = hook.runtime
    bob = make_user(rt.sessions, "bob", "motdepasse-bob-123")
    with rt.sessions.begin() as s:
        with pytest.raises(NotFound):  # alice's broker cannot feed bob's source
            create_source(s, rt.vault, bob.id, "B", broker_id=hook.broker_id)
        bob_src = create_source(s, rt.vault, bob.id, "B")
        assert [x.name for x in list_sources(s, rt.vault, bob.id)] == ["B"]
    # Bob names alice's broker in his alert: unknown to him, no order.
    body = {"secret": bob_src.secret, "action": "buy", "symbol": "BTCUSDT",
            "quantity": "0.01", "broker": "Binance"}
    code, answer = await hook.post(body, token=bob_src.token)
    assert code == 200
    await hook.orders.run_pending()
    with rt.sessions() as s:
        row = s.get(WebhookRow, answer["id"])
        assert row is not None and row.user_id == bob.id and row.status == "failed"
        assert "Broker inconnu" in (row.error or "")
    assert _counts(rt)[2] == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def receivers(runtime: Runtime, tmp_path: Path) -> Iterator[list[str]]:  # noqa: F811
    """Two real `python -m services.webhooks` processes on the test database, each with its
    child order process."""
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("several receiver processes run on PostgreSQL")
    redis = dbs.redis_test_url()
    if redis is None:
        pytest.skip("Redis not configured")
    s = runtime.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARISTOBOT_")}
    env.update({"ARISTOBOT_DATABASE_URL": s.database_url, "ARISTOBOT_REDIS_URL": redis,
                "ARISTOBOT_SECRET_KEY": str(s.secret_key), "ARISTOBOT_VAR_DIR": str(tmp_path),
                "ARISTOBOT_BUS_NAMESPACE": s.bus_namespace,
                "ARISTOBOT_EXCHANGE_URL_OVERRIDES": ",".join(
                    f"{k}={v}" for k, v in s.exchange_url_overrides.items()),
                "ARISTOBOT_BINANCE_REST_URL": "http://127.0.0.1:9"})
    procs, urls = [], []
    for i in range(2):
        port = _free_port()
        log = (tmp_path / f"recv{i}.log").open("wb")
        procs.append(subprocess.Popen([sys.executable, "-m", "services.webhooks", "--port",
                                       str(port)], cwd=ROOT, env=env, stdout=log,
                                      stderr=subprocess.STDOUT))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for p, url in zip(procs, urls, strict=True):
            _wait_port(p, url, tmp_path)
        yield urls
    finally:
        for p in procs:  # both stop at once (each stops its order process first)
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=90)
            except subprocess.TimeoutExpired:
                p.kill()  # its child order process stops at its stdin's end
                p.wait()


def _wait_port(proc: subprocess.Popen[bytes], url: str, tmp_path: Path) -> None:
    host, port = url.removeprefix("http://").split(":")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            logs = "\n".join(p.read_text() for p in tmp_path.glob("recv*.log"))
            raise RuntimeError(f"receiver exited:\n{logs}")
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)  # polling a starting process
    raise RuntimeError("receiver did not start")


async def test_duplicates_across_two_processes(runtime: Runtime, fake: FakeBinance,  # noqa: F811
                                               receivers: list[str]) -> None:
    user = make_user(runtime.sessions)
    with runtime.sessions.begin() as s:
        broker = create_broker(s, runtime.vault, user.id, BrokerDraft(
            "Binance", "binance", {"apiKey": "key-a", "secret": "secret-a"}))
        src = create_source(s, runtime.vault, user.id, "TV", broker_id=broker.id,
                            rate_limit_per_minute=1000)
    client = AsyncHTTPClient()

    async def post(url: str, alert_id: str) -> str:
        body = {"secret": src.secret, "id": alert_id, "action": "buy", "symbol": "BTCUSDT",
                "quantity": "0.001"}
        r = await client.fetch(f"{url}/webhooks/{src.token}", method="POST",
                               body=json.dumps(body), raise_error=False)
        return str(json.loads(r.body)["status"])

    # 20 ids × 3 copies, spread over both receivers; each receiver has its own order process,
    # and both race for the claims.
    jobs = [post(receivers[i % 2], f"alert-{i // 3}") for i in range(60)]
    statuses = await asyncio.gather(*jobs)
    assert statuses.count("accepted") == 20 and statuses.count("duplicate") == 40
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # orders are placed after the answers
        with runtime.sessions() as s:
            pending = s.scalar(select(func.count()).select_from(WebhookRow)
                               .where(WebhookRow.status.in_(("accepted", "processing"))))
        if pending == 0:
            break
        await asyncio.sleep(0.1)
    with runtime.sessions() as s:
        trades = list(s.scalars(select(TradeRow)))
        assert s.scalar(select(func.count()).select_from(WebhookRow)) == 60
        done = s.scalar(select(func.count()).select_from(WebhookRow)
                        .where(WebhookRow.status == "done"))
    assert len(trades) == 20 and {t.status for t in trades} == {"filled"} and done == 20
    assert len({t.webhook_id for t in trades}) == 20
    assert fake.count("POST", "/api/v3/order") == 20


async def test_alert_waiting_too_long_is_closed_unsent(hook: Hook, fake: FakeBinance) -> None:
    from datetime import timedelta

    rt = hook.runtime
    old = Receiver(rt.sessions).receive(_request(hook, "old"))  # stored, no order process
    fresh = Receiver(rt.sessions).receive(_request(hook, "fresh"))
    assert old.accepted and fresh.accepted and old.webhook_id and fresh.webhook_id
    with rt.sessions.begin() as s:
        row = s.get(WebhookRow, old.webhook_id)
        assert row is not None
        row.created_at = row.created_at - timedelta(minutes=5)
    assert await hook.orders.run_pending() == 2
    with rt.sessions() as s:
        closed, sent = s.get(WebhookRow, old.webhook_id), s.get(WebhookRow, fresh.webhook_id)
        assert closed is not None and closed.status == "failed"
        assert "aucun ordre envoyé" in (closed.error or "")
        assert sent is not None and sent.status == "done"
        trades = list(s.scalars(select(TradeRow)))
    assert [t.webhook_id for t in trades] == [fresh.webhook_id]
    assert fake.count("POST", "/api/v3/order") == 1
