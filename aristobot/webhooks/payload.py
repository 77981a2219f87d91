"""The alert payload: decoding a TradingView body and validating it into an :class:`Alert`.

Pure (no I/O). TradingView posts the alert message as-is: ``application/json`` when it is
valid JSON, ``text/plain`` otherwise. Both are read; a text body may also be ``KEY=VALUE``
pairs, one per line or separated by ``;``. The schema (documented in the README)::

    {"secret": "…", "id": "optional alert id", "action": "buy" | "sell" | "close",
     "symbol": "BTC/USDT" (or "BTCUSDT", "BINANCE:BTCUSDT"; alias "ticker"),
     "broker": "optional broker name",
     "quantity": base amount | "quote_amount": quote amount | "percent": % of balance,
     "order_type": "market" | "limit", "price": limit price,
     "stop_loss": price, "take_profit": price, "label": "free text"}

Numbers may be JSON numbers or strings. Unknown fields are kept in ``Alert.extra``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from aristobot.errors import WebhookPayloadInvalid
from aristobot.webhooks import messages as msg

ACTIONS = ("buy", "sell", "close")
ORDER_TYPES = ("market", "limit")
AMOUNT_FIELDS = ("quantity", "quote_amount", "percent")
KNOWN = frozenset({"secret", "id", "alert_id", "action", "symbol", "ticker", "broker",
                   *AMOUNT_FIELDS, "order_type", "price", "stop_loss", "take_profit", "label"})
REDACTED = "***"


@dataclass(frozen=True, slots=True)
class Alert:
    """A validated alert, ready to become an order."""

    action: str
    symbol: str
    order_type: str = "market"
    quantity: Decimal | None = None
    quote_amount: Decimal | None = None
    percent: Decimal | None = None
    price: Decimal | None = None
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    broker: str | None = None
    label: str | None = None
    alert_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _invalid(reason: str) -> WebhookPayloadInvalid:
    return WebhookPayloadInvalid(reason=reason)


def decode_text(body: bytes) -> str:
    """Return the body as text (UTF-8, BOM tolerated)."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _invalid(msg.NOT_UTF8) from e


def _key_values(text: str) -> dict[str, Any] | None:
    parts = [p.strip() for line in text.splitlines() for p in line.split(";")]
    parts = [p for p in parts if p]
    if not parts or not all("=" in p for p in parts):
        return None
    pairs = (p.split("=", 1) for p in parts)
    return {k.strip().lower(): v.strip() for k, v in pairs}


def parse_body(text: str) -> dict[str, Any]:
    """Read a JSON object, or ``KEY=VALUE`` pairs, from the body text."""
    if not text.strip():
        raise _invalid(msg.EMPTY_BODY)
    try:
        data = json.loads(text)
    except ValueError:
        data = _key_values(text)
        if data is None:
            if "{{" in text:
                raise _invalid(msg.PLACEHOLDER_LEFT) from None
            raise _invalid(msg.NOT_JSON) from None
    if not isinstance(data, dict):
        raise _invalid(msg.NOT_OBJECT)
    return data


def redact(data: dict[str, Any], raw: str) -> tuple[dict[str, Any], str]:
    """Hide the body secret in what is stored and shown."""
    secret = data.get("secret")
    if not isinstance(secret, str) or not secret:
        return data, raw
    return {**data, "secret": REDACTED}, raw.replace(secret, REDACTED)


def _decimal(data: dict[str, Any], key: str) -> Decimal | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _invalid(msg.NOT_A_NUMBER.format(key=key))
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise _invalid(msg.NOT_A_NUMBER_GOT.format(key=key, value=str(value)[:40])) from None
    if not d.is_finite() or d <= 0:
        raise _invalid(msg.NOT_POSITIVE.format(key=key, value=value))
    return d


def _text(data: dict[str, Any], key: str, limit: int) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise _invalid(msg.NOT_A_TEXT.format(key=key))
    text = str(value).strip()
    if len(text) > limit:
        raise _invalid(msg.TOO_LONG.format(key=key, limit=limit))
    return text


def normalize_symbol(raw: str) -> str:
    """``BINANCE:btcusdt`` → ``BTCUSDT``; ``btc/usdt`` → ``BTC/USDT``."""
    return raw.split(":")[-1].strip().upper().replace("-", "/")


def _amounts(data: dict[str, Any], action: str) -> dict[str, Decimal | None]:
    amounts = {k: _decimal(data, k) for k in AMOUNT_FIELDS}
    given = [k for k, v in amounts.items() if v is not None]
    if len(given) > 1:
        raise _invalid(msg.ONE_AMOUNT)
    if not given and action != "close":
        raise _invalid(msg.NO_AMOUNT)
    if given and given != ["percent"] and action == "close":
        raise _invalid(msg.CLOSE_AMOUNT)
    pct = amounts["percent"]
    if pct is not None and pct > 100:
        raise _invalid(msg.PERCENT_RANGE)
    return amounts


def parse_alert(data: dict[str, Any]) -> Alert:
    """Validate a decoded payload; raise :class:`WebhookPayloadInvalid` (French reason)."""
    action = (_text(data, "action", 16) or "").lower()
    if action not in ACTIONS:
        raise _invalid(msg.BAD_ACTION.format(action=action) if action
                       else msg.NO_ACTION)
    symbol = _text(data, "symbol", 32) or _text(data, "ticker", 32)
    if not symbol:
        raise _invalid(msg.NO_SYMBOL)
    order_type = (_text(data, "order_type", 16) or "market").lower()
    if order_type not in ORDER_TYPES:
        raise _invalid(msg.BAD_ORDER_TYPE.format(order_type=order_type))
    price = _decimal(data, "price")
    if order_type == "limit" and price is None:
        raise _invalid(msg.LIMIT_NEEDS_PRICE)
    return Alert(
        action=action, symbol=normalize_symbol(symbol), order_type=order_type,
        price=price if order_type == "limit" else None,
        stop_loss=_decimal(data, "stop_loss"), take_profit=_decimal(data, "take_profit"),
        broker=_text(data, "broker", 64), label=_text(data, "label", 64),
        alert_id=_text(data, "id", 128) or _text(data, "alert_id", 128),
        extra={k: v for k, v in data.items() if k not in KNOWN},
        **_amounts(data, action),
    )


def dedup_keys(source_id: int, alert: Alert, data: dict[str, Any], epoch_s: float,
               window_s: float) -> list[str]:
    """The claims an alert takes: its id, else its body in two consecutive time buckets.

    Two copies of one body less than ``window_s`` apart always share a bucket key, so the
    database's unique key lets only the first one trade (copies up to ``2 × window_s`` apart
    may share one too).
    """
    if alert.alert_id is not None:
        return [_sha(f"{source_id}:id:{alert.alert_id}")]
    body = json.dumps({k: v for k, v in data.items() if k != "secret"}, sort_keys=True,
                      default=str)
    bucket = int(epoch_s // window_s)
    return [_sha(f"{source_id}:body:{b}:{body}") for b in (bucket, bucket + 1)]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def alert_message_template(secret: str | None) -> str:
    """A ready-to-paste TradingView alert message (a strategy alert)."""
    fields: dict[str, Any] = {}
    if secret is not None:
        fields["secret"] = secret
    fields.update({"id": "{{strategy.order.id}}-{{timenow}}",
                   "action": "{{strategy.order.action}}", "symbol": "{{ticker}}",
                   "quantity": "{{strategy.order.contracts}}", "order_type": "market",
                   "label": "TradingView"})
    return json.dumps(fields, indent=2, ensure_ascii=False)
