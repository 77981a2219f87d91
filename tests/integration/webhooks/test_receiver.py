"""The receiver over real HTTP: secrets, allow-list, limits, bodies, duplicates, orders."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal as D
from typing import Any

from sqlalchemy import func, select

from aristobot.db.models import TradeRow, WebhookRow
from aristobot.runtime import Runtime
from aristobot.webhooks import TRADINGVIEW_IPS, rotate_source, update_source
from tests.integration.webhooks.conftest import Hook
from tests.support.fake_binance import FakeBinance


def _row(rt: Runtime, webhook_id: int) -> WebhookRow:
    with rt.sessions() as s:
        row = s.get(WebhookRow, webhook_id)
        assert row is not None
        s.expunge(row)
        return row


def _trades(rt: Runtime, **where: Any) -> list[TradeRow]:
    with rt.sessions() as s:
        rows = list(s.scalars(select(TradeRow).filter_by(**where).order_by(TradeRow.id)))
        s.expunge_all()
        return rows


def _count(rt: Runtime) -> int:
    with rt.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(WebhookRow)) or 0)


async def _processed(hook: Hook, webhook_id: int) -> WebhookRow:
    await hook.orders.run_pending()
    return _row(hook.runtime, webhook_id)


async def test_valid_alert_is_stored_answered_then_traded(hook: Hook, fake: FakeBinance) -> None:
    code, body = await hook.post(hook.alert(label="<b>x</b>", extra_field={"k": 1}))
    assert code == 200 and body["status"] == "accepted" and body["ok"]
    row = await _processed(hook, body["id"])
    assert row.status == "done" and row.error is None and row.processed
    assert row.payload["secret"] == "***" and hook.source.secret not in row.raw_body
    assert row.payload["extra_field"] == {"k": 1}  # unknown fields are kept
    assert row.user_id == hook.user_id and row.source == "TV" and row.client_ip == "127.0.0.1"
    [trade] = _trades(hook.runtime, webhook_id=row.id)
    assert trade.source == "webhook" and trade.symbol == "BTC/USDT" and trade.side == "buy"
    assert trade.status == "filled" and trade.quantity == D("0.01") and trade.client_order_id
    assert fake.count("POST", "/api/v3/order") == 1


async def test_wrong_missing_and_rotated_secrets_are_refused(hook: Hook) -> None:
    for alert in (hook.alert(secret="nope"), hook.alert(secret=None), hook.alert(secret=123)):
        code, body = await hook.post(alert)
        assert code == 401 and "Secret absent ou incorrect" in body["message"]
        row = _row(hook.runtime, body["id"])
        assert row.status == "rejected" and row.user_id == hook.user_id
    old = hook.source
    with hook.runtime.sessions.begin() as s:
        new = rotate_source(s, hook.runtime.vault, hook.user_id, old.id)
    assert new.token != old.token and new.secret != old.secret
    code, body = await hook.post(hook.alert(), token=old.token)  # old URL: unknown source
    assert code == 404 and _row(hook.runtime, body["id"]).user_id is None
    code, body = await hook.post(hook.alert(secret=old.secret), token=new.token)
    assert code == 401  # replayed old secret on the new URL
    code, body = await hook.post(hook.alert(secret=new.secret, id="r1"), token=new.token)
    assert code == 200
    assert _trades(hook.runtime) == [] or all(t.webhook_id == body["id"]
                                              for t in _trades(hook.runtime))
    await hook.orders.run_pending()
    assert len(_trades(hook.runtime)) == 1  # only the authenticated alert traded


async def test_allow_list_disable_and_rate_limit(hook: Hook) -> None:
    rt, sid = hook.runtime, hook.source.id
    with rt.sessions.begin() as s:
        update_source(s, rt.vault, hook.user_id, sid, ip_allowlist=TRADINGVIEW_IPS)
    code, body = await hook.post(hook.alert())
    assert code == 403 and "127.0.0.1 non autorisée" in body["message"]
    # Behind the trusted proxy (127.0.0.1), the address it saw is checked.
    code, body = await hook.post(hook.alert(id="tv1"), headers={"X-Real-IP": "52.32.178.7"})
    assert code == 200 and _row(rt, body["id"]).client_ip == "52.32.178.7"
    with rt.sessions.begin() as s:
        update_source(s, rt.vault, hook.user_id, sid, ip_allowlist=("127.0.0.0/8",),
                      enabled=False)
    code, body = await hook.post(hook.alert())
    assert code == 403 and "désactivée" in body["message"]
    assert _row(rt, body["id"]).status == "rejected"
    with rt.sessions.begin() as s:
        update_source(s, rt.vault, hook.user_id, sid, enabled=True, rate_limit_per_minute=2)
    codes = [(await hook.post(hook.alert(id=f"rl{i}", quantity="0.001")))[0] for i in range(4)]
    assert codes.count(429) >= 2  # the accepted tv1 above counts in the same minute
    await hook.orders.run_pending()


async def test_bodies_oversized_malformed_text_plain(hook: Hook) -> None:
    big = json.dumps(hook.alert(pad="x" * 5000))
    code, body = await hook.post(big)
    assert code == 413 and "trop volumineux" in body["message"]
    row = _row(hook.runtime, body["id"])
    assert row.status == "rejected" and 0 < len(row.raw_body) < len(big)
    code, body = await hook.post('{"action": "buy", "price": {{close}}}', content_type="text/plain")
    assert code == 400 and "placeholder" in body["message"]
    assert _row(hook.runtime, body["id"]).raw_body.startswith('{"action"')
    code, body = await hook.post("n'importe quoi", content_type="text/plain")
    assert code == 400 and "ni du JSON" in body["message"]
    assert _row(hook.runtime, body["id"]).status == "invalid"
    code, body = await hook.post(hook.alert(action="hold"))
    assert code == 400 and "« action » doit valoir buy, sell ou close" in body["message"]
    assert _row(hook.runtime, body["id"]).status == "invalid"
    code, body = await hook.post(hook.alert(quantity=None))
    assert code == 400 and "quantité manquante" in body["message"]
    code, body = await hook.post(json.dumps(hook.alert(id="p1")), content_type="text/plain")
    assert code == 200  # TradingView's text/plain carrying JSON
    kv = f"SECRET={hook.source.secret}\nACTION=buy\nSYMBOL=BTCUSDT\nQUOTE_AMOUNT=100\nID=kv1"
    code, body = await hook.post(kv, content_type="text/plain")
    assert code == 200, body
    row = await _processed(hook, body["id"])
    assert row.status == "done" and row.payload["secret"] == "***"
    assert _count(hook.runtime) == 7  # every request is a row


async def test_duplicates_never_trade_twice(hook: Hook, fake: FakeBinance) -> None:
    answers = await asyncio.gather(*(hook.post(hook.alert(id="same")) for _ in range(5)))
    assert sorted(b["status"] for _, b in answers) == ["accepted"] + ["duplicate"] * 4
    first = next(b["id"] for _, b in answers if b["status"] == "accepted")
    dup = next(b for _, b in answers if b["status"] == "duplicate")
    assert f"n° {first}" in dup["message"]
    # The same body without an id, twice within the window: one order.
    a = await hook.post(hook.alert(quantity="0.002"))
    b = await hook.post(hook.alert(quantity="0.002"))
    assert [a[1]["status"], b[1]["status"]] == ["accepted", "duplicate"]
    await hook.orders.run_pending()
    assert len(_trades(hook.runtime)) == 2 and fake.count("POST", "/api/v3/order") == 2
    assert _count(hook.runtime) == 7
    assert _row(hook.runtime, dup["id"]).status == "duplicate"


async def test_order_failure_is_recorded(hook: Hook) -> None:
    _, body = await hook.post(hook.alert(quantity="1000", id="big"))  # 1000 BTC: no funds
    row = await _processed(hook, body["id"])
    assert row.status == "failed" and "insuffisants" in (row.error or "")
    [trade] = _trades(hook.runtime, webhook_id=row.id)
    assert trade.status == "rejected" and trade.error == row.error
    _, body = await hook.post(hook.alert(symbol="NOPE/USDT", id="sym"))
    row = await _processed(hook, body["id"])
    assert row.status == "failed" and "Symbole inconnu" in (row.error or "")
    _, body = await hook.post(hook.alert(action="close", quantity=None, percent="50", id="c"))
    row = await _processed(hook, body["id"])
    assert row.status == "done"
    [close] = _trades(hook.runtime, webhook_id=row.id)
    assert close.side == "sell" and close.quantity == D("0.25")  # half of 0.5 BTC
