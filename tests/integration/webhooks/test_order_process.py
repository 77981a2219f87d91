"""The order process: claims taken over after a crash, reconciled by client order id, never
re-sent; a real `--role orders` process killed mid-way and replaced loses and doubles nothing."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from aristobot.db.models import TradeRow, WebhookRow
from aristobot.exchanges.handle import new_client_order_id
from aristobot.runtime import Runtime
from aristobot.trading import trades as journal
from aristobot.webhooks import claims
from aristobot.webhooks.receiver import IncomingRequest, Receiver, now_utc
from tests.integration.webhooks.conftest import Hook
from tests.support.fake_binance import FakeBinance

ROOT = Path(__file__).resolve().parents[3]
DEAD = "stopped-host:1:dead"


def _store(hook: Hook, alert_id: str) -> int:
    body = json.dumps(hook.alert(id=alert_id, quantity="0.001")).encode()
    out = Receiver(hook.runtime.sessions).receive(
        IncomingRequest(hook.source.token, body, "application/json", "127.0.0.1", now_utc()))
    assert out.accepted and out.webhook_id is not None
    return out.webhook_id


def _claimed_by_a_stopped_process(rt: Runtime, webhook_id: int) -> None:
    """As if its process claimed it long ago and died (the lease is over)."""
    with rt.sessions.begin() as s:
        row = s.get(WebhookRow, webhook_id)
        assert row is not None
        row.status, row.claimed_by = "processing", DEAD
        row.claimed_at = now_utc() - timedelta(minutes=10)


def _webhook(rt: Runtime, webhook_id: int) -> WebhookRow:
    with rt.sessions() as s:
        row = s.get(WebhookRow, webhook_id)
        assert row is not None
        s.expunge(row)
        return row


def _trades(rt: Runtime) -> list[TradeRow]:
    with rt.sessions() as s:
        rows = list(s.scalars(select(TradeRow).order_by(TradeRow.id)))
        s.expunge_all()
        return rows


async def test_claims_take_the_oldest_alerts_up_to_the_limit(hook: Hook) -> None:
    rt = hook.runtime
    ids = [_store(hook, f"l{i}") for i in range(5)]
    assert [j.id for j in claims.claim_next(rt.sessions, "p1", 2)] == ids[:2]
    assert [j.id for j in claims.claim_next(rt.sessions, "p2", 2)] == ids[2:4]
    claims.release(rt.sessions, "p1", ids[:2])  # a stopping process gives back unstarted ones
    again = claims.claim_next(rt.sessions, "p3", 10)
    assert [j.id for j in again] == [ids[0], ids[1], ids[4]]
    assert {j.source_broker_id for j in again} == {hook.broker_id}
    assert claims.claim_next(rt.sessions, "p4", 10) == []


async def test_claim_of_a_crashed_process_is_taken_over_once(hook: Hook,
                                                             fake: FakeBinance) -> None:
    rt = hook.runtime
    wid = _store(hook, "a")
    [job] = claims.claim_next(rt.sessions, DEAD)  # then the process dies before any order
    assert job.id == wid
    assert claims.claim_next(rt.sessions, "other", 10) == []  # held: nobody else takes it
    assert await hook.orders.take_over() == 0  # its lease is not over yet
    _claimed_by_a_stopped_process(rt, wid)
    assert await hook.orders.take_over() == 1
    assert _webhook(rt, wid).status == "done"
    [trade] = _trades(rt)
    assert trade.webhook_id == wid and trade.status == "filled" and trade.source == "webhook"
    assert fake.count("POST", "/api/v3/order") == 1
    # The stopped process cannot close it any more, and nothing is left to take over.
    assert claims.finish(rt.sessions, DEAD, [claims.Outcome(wid, "failed", "x")]) == 0
    assert _webhook(rt, wid).status == "done"
    assert await hook.orders.take_over() == 0 and await hook.orders.run_pending() == 0
    assert fake.count("POST", "/api/v3/order") == 1


async def test_order_sent_before_a_crash_is_reconciled_not_resent(hook: Hook,
                                                                  fake: FakeBinance) -> None:
    rt = hook.runtime
    wid = _store(hook, "b")
    assert await hook.orders.run_pending() == 1
    assert fake.count("POST", "/api/v3/order") == 1
    # As if the process died after the exchange took the order, before anything was journaled.
    with rt.sessions.begin() as s:
        trade = s.scalars(select(TradeRow).where(TradeRow.webhook_id == wid)).one()
        trade.status, trade.filled_quantity = "pending", Decimal(0)
    _claimed_by_a_stopped_process(rt, wid)
    assert await hook.orders.take_over() == 1
    row = _webhook(rt, wid)
    assert row.status == "done" and row.claimed_by == hook.orders.owner
    [trade] = _trades(rt)
    assert trade.status == "filled" and trade.filled_quantity == Decimal("0.001")
    assert fake.count("POST", "/api/v3/order") == 1  # looked up by client order id, not re-sent


async def test_order_recorded_but_never_sent_is_closed_not_sent(hook: Hook,
                                                                fake: FakeBinance) -> None:
    rt = hook.runtime
    wid = _store(hook, "c")
    with rt.sessions.begin() as s:  # the attempt was recorded, then the process died
        tid = journal.record_attempt(
            s, user_id=hook.user_id, broker_id=hook.broker_id, exchange="binance",
            symbol="BTC/USDT", side="buy", order_type="market", quantity=Decimal("0.001"),
            price=None, quote_amount=None, client_order_id=new_client_order_id(),
            source="webhook", webhook_id=wid)
        s.get_one(TradeRow, tid).created_at = now_utc() - timedelta(minutes=5)
    with pytest.raises(IntegrityError), rt.sessions.begin() as s:  # one order per webhook
        journal.record_attempt(
            s, user_id=hook.user_id, broker_id=hook.broker_id, exchange="binance",
            symbol="BTC/USDT", side="buy", order_type="market", quantity=Decimal("0.001"),
            price=None, quote_amount=None, client_order_id=new_client_order_id(),
            source="webhook", webhook_id=wid)
    _claimed_by_a_stopped_process(rt, wid)
    assert await hook.orders.take_over() == 1
    row = _webhook(rt, wid)
    [trade] = _trades(rt)
    assert trade.status == "error" and "jamais été exécuté" in (trade.error or "")
    assert row.status == "failed" and row.error == trade.error
    assert fake.count("POST", "/api/v3/order") == 0


# --- a real order process, killed mid-way --------------------------------------------------------

def _env(rt: Runtime, var_dir: Path) -> dict[str, str]:
    s = rt.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARISTOBOT_")}
    env.update({"ARISTOBOT_DATABASE_URL": s.database_url, "ARISTOBOT_VAR_DIR": str(var_dir),
                "ARISTOBOT_SECRET_KEY": str(s.secret_key),
                "ARISTOBOT_BUS_NAMESPACE": s.bus_namespace,
                "ARISTOBOT_EXCHANGE_URL_OVERRIDES": ",".join(
                    f"{k}={v}" for k, v in s.exchange_url_overrides.items()),
                "ARISTOBOT_BINANCE_REST_URL": "http://127.0.0.1:9",
                "ARISTOBOT_WEBHOOK_CLAIM_LEASE_S": "5", "ARISTOBOT_WEBHOOK_POLL_S": "0.2"})
    return env


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "services.webhooks", "--role", "orders"],
                            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _count(rt: Runtime, *where: Any) -> int:
    with rt.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(WebhookRow).where(*where)) or 0)


def _state(rt: Runtime) -> str:
    with rt.sessions() as s:
        rows = s.execute(select(WebhookRow.id, WebhookRow.status, WebhookRow.claimed_by,
                                WebhookRow.claimed_at, TradeRow.status)
                         .outerjoin(TradeRow, TradeRow.webhook_id == WebhookRow.id)
                         .where(WebhookRow.status != "done")).all()
    return "\n".join(map(str, rows))


async def _until(pred: Any, proc: subprocess.Popen[bytes], log: Path, rt: Runtime) -> None:
    deadline = time.monotonic() + 120
    while not pred():
        if proc.poll() is not None:
            raise AssertionError(f"order process exited:\n{log.read_text()}")
        assert time.monotonic() < deadline, f"{_state(rt)}\n{log.read_text()}"
        await asyncio.sleep(0.05)


async def test_order_process_killed_mid_way_loses_and_doubles_nothing(
        hook: Hook, fake: FakeBinance, tmp_path: Path) -> None:
    rt = hook.runtime
    ids = [_store(hook, f"k{i}") for i in range(40)]
    env = _env(rt, tmp_path)
    first = _start(env, tmp_path / "first.log")
    try:  # killed (no clean stop) once it has placed a few
        await _until(lambda: _count(rt, WebhookRow.status == "done") >= 3, first,
                     tmp_path / "first.log", rt)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    second = _start(env, tmp_path / "second.log")
    try:
        await _until(lambda: claims.pending_count(rt.sessions) == 0, second,
                     tmp_path / "second.log", rt)
    finally:
        second.terminate()
        assert second.wait(timeout=60) == 0, (tmp_path / "second.log").read_text()
    # Every alert has its outcome and at most one attempt; an attempt cut by the kill is
    # looked up by client order id: found, it is filled; absent after the lease, it is
    # closed as never executed (not sent again).
    trades = {t.webhook_id: t for t in _trades(rt)}
    assert len(trades) == len(_trades(rt))
    filled = [w for w, t in trades.items() if t.status == "filled"]
    assert fake.count("POST", "/api/v3/order") == len(filled)
    for wid in ids:
        row, trade = _webhook(rt, wid), trades.get(wid)
        if trade is not None and trade.status == "filled":
            assert row.status == "done"
        else:  # only the orders under way at the kill (at most one per slot)
            assert trade is not None and trade.status == "error", (row.status, trade)
            assert row.status == "failed" and "jamais été exécuté" in (row.error or "")
    assert len(filled) >= 40 - 4


def _niceness(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])  # field 19: nice


async def test_order_process_runs_at_a_lower_cpu_priority(hook: Hook, tmp_path: Path) -> None:
    """On a busy machine the receivers get the CPU first; the orders follow."""
    from services.webhooks import ORDERS_NICE

    rt = hook.runtime
    wid = _store(hook, "nice")
    proc = _start(_env(rt, tmp_path), tmp_path / "orders.log")
    try:  # lowered before it starts working
        await _until(lambda: _webhook(rt, wid).status == "done", proc, tmp_path / "orders.log",
                     rt)
        assert _niceness(proc.pid) == min(19, os.nice(0) + ORDERS_NICE)
    finally:
        proc.terminate()
        assert proc.wait(timeout=60) == 0, (tmp_path / "orders.log").read_text()
