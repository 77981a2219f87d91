"""One paper account used by two processes at once: no fill lost, no negative balance."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

from sqlalchemy import func, select

from aristobot.brokers import ensure_default_paper_broker
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.db.models import PaperBalanceRow, PaperOrderRow
from tests.support.factories import make_user

ROOT = Path(__file__).resolve().parents[3]
CAPITAL = D("20.02")  # 20 buys of 0.01 BTC at 100 USDT with 0.1 % fee: the processes run dry
ORDERS = 30  # per process; every third buy is followed by a sell


def _start(url: str, broker_id: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.support.paper_hammer", url,
                             str(broker_id), str(CAPITAL), str(ORDERS)], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def test_two_processes_filling_one_paper_account_lose_no_update(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    user = make_user(sessions)
    with sessions.begin() as s:
        broker_id = ensure_default_paper_broker(s, user.id, CAPITAL).id
    procs = [_start(db_url, broker_id) for _ in range(2)]
    try:
        for p in procs:  # both loaded and waiting: they start together
            assert p.stdout is not None
            assert p.stdout.readline().strip() == "ready"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        results = []
        for p in procs:
            out, _ = p.communicate(timeout=300)
            assert p.returncode == 0, out
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    buys = sum(r["buys"] for r in results)
    sells = sum(r["sells"] for r in results)
    assert sum(r["refused"] for r in results) > 0  # the account ran dry while both were filling
    with sessions() as s:
        bal = {r.asset: r for r in s.scalars(
            select(PaperBalanceRow).where(PaperBalanceRow.broker_id == broker_id))}
        closed = s.scalar(select(func.count()).select_from(PaperOrderRow)
                          .where(PaperOrderRow.broker_id == broker_id,
                                 PaperOrderRow.status == "closed"))
    engine.dispose()
    assert closed == buys + sells
    # Each buy costs 1 USDT + 0.001 fee; each sell brings 1 USDT - 0.001 fee.
    assert bal["USDT"].free == CAPITAL - D("1.001") * buys + D("0.999") * sells
    assert bal["BTC"].free == D("0.01") * (buys - sells)
    assert bal["USDT"].free >= 0 and bal["BTC"].free >= 0
    assert bal["USDT"].used == 0 and bal["BTC"].used == 0
