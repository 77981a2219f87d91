"""The alert schema: decoding, validation (French reasons), duplicate keys, allow-list."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from aristobot.errors import WebhookPayloadInvalid
from aristobot.webhooks.payload import (
    alert_message_template,
    dedup_keys,
    parse_alert,
    parse_body,
    redact,
)
from aristobot.webhooks.receiver import RateLimiter, address_allowed
from aristobot.webhooks.sources import TRADINGVIEW_IPS


def test_json_and_key_value_bodies() -> None:
    assert parse_body('{"action": "buy"}') == {"action": "buy"}
    assert parse_body("ACTION=sell;SYMBOL=ETHUSDT\nPERCENT=10") == {
        "action": "sell", "symbol": "ETHUSDT", "percent": "10"}
    for body, reason in [("", "vide"), ("[1, 2]", "objet"), ("hello", "ni du JSON"),
                         ('{"p": {{close}}}', "placeholder")]:
        with pytest.raises(WebhookPayloadInvalid) as e:
            parse_body(body)
        assert reason in e.value.user_message()


def test_alert_fields_and_unknown_fields_kept() -> None:
    a = parse_alert({"action": "BUY", "ticker": "BINANCE:btcusdt", "quote_amount": 100,
                     "order_type": "limit", "price": "61700.5", "stop_loss": "60000",
                     "take_profit": 65000, "label": "ema", "id": "x1", "foo": [1]})
    assert (a.action, a.symbol, a.quote_amount, a.price) == ("buy", "BTCUSDT", D(100),
                                                             D("61700.5"))
    assert a.stop_loss == D(60000) and a.take_profit == D(65000) and a.alert_id == "x1"
    assert a.extra == {"foo": [1]}
    close = parse_alert({"action": "close", "symbol": "BTC/USDT"})
    assert close.quantity is None and close.percent is None


@pytest.mark.parametrize(("data", "reason"), [
    ({"symbol": "BTC/USDT", "quantity": 1}, "« action » manquante"),
    ({"action": "buy", "quantity": 1}, "« symbol » manquant"),
    ({"action": "buy", "symbol": "X"}, "quantité manquante"),
    ({"action": "buy", "symbol": "X", "quantity": 1, "percent": 5}, "une seule quantité"),
    ({"action": "buy", "symbol": "X", "quantity": "abc"}, "doit être un nombre"),
    ({"action": "buy", "symbol": "X", "quantity": "-1"}, "positif"),
    ({"action": "buy", "symbol": "X", "quantity": "NaN"}, "positif"),
    ({"action": "buy", "symbol": "X", "percent": 150}, "entre 0 et 100"),
    ({"action": "buy", "symbol": "X", "quantity": 1, "order_type": "limit"}, "exige « price »"),
    ({"action": "close", "symbol": "X", "quantity": 1}, "toute la position"),
    ({"action": "buy", "symbol": "X", "quantity": True}, "nombre"),
])
def test_invalid_alerts_say_why_in_french(data: dict[str, object], reason: str) -> None:
    with pytest.raises(WebhookPayloadInvalid) as e:
        parse_alert(data)
    assert reason in e.value.user_message()


def test_duplicate_keys_share_a_bucket_within_the_window() -> None:
    data = {"action": "buy", "symbol": "X", "quantity": 1}
    a = parse_alert(data)
    for t1, t2 in [(100.0, 114.9), (119.9, 120.1), (0.0, 14.99)]:
        assert set(dedup_keys(1, a, data, t1, 15)) & set(dedup_keys(1, a, data, t2, 15))
    assert not set(dedup_keys(1, a, data, 0, 15)) & set(dedup_keys(1, a, data, 31, 15))
    assert not set(dedup_keys(1, a, data, 0, 15)) & set(dedup_keys(2, a, data, 0, 15))
    with_id = parse_alert({**data, "id": "z"})
    assert dedup_keys(1, with_id, data, 0, 15) == dedup_keys(1, with_id, data, 999, 15)


def test_redaction_template_allow_list_and_rate() -> None:
    stored, raw = redact({"secret": "s3cr3t", "a": 1}, '{"secret":"s3cr3t","a":1}')
    assert stored["secret"] == "***" and "s3cr3t" not in raw
    assert '"secret": "abc"' in alert_message_template("abc")
    assert '"action": "{{strategy.order.action}}"' in alert_message_template("abc")
    assert address_allowed("1.2.3.4", ()) and address_allowed("52.32.178.7", TRADINGVIEW_IPS)
    assert not address_allowed("127.0.0.1", TRADINGVIEW_IPS)
    assert address_allowed("10.1.2.3", ("10.0.0.0/8",)) and not address_allowed("x", ("1.1.1.1",))
    now = [0.0]
    rl = RateLimiter(clock=lambda: now[0])
    assert [rl.allow(1, 2) for _ in range(3)] == [True, True, False]
    assert rl.allow(2, 2)
    now[0] = 60.0
    assert rl.allow(1, 2)
