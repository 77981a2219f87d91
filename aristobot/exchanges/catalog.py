"""What the broker form needs to know about an exchange: choices, credentials, sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import ccxt

from aristobot.errors import ValidationError
from aristobot.exchanges import messages

PAPER = "paper"

@dataclass(frozen=True, slots=True)
class ExchangeInfo:
    id: str
    name: str
    required_credentials: tuple[str, ...]  # ccxt names, e.g. ("apiKey", "secret", "password")
    has_sandbox: bool


def exchange_ids() -> list[str]:
    """Return « paper » followed by every ccxt exchange id."""
    return [PAPER, *ccxt.exchanges]


@lru_cache(maxsize=256)
def exchange_info(exchange_id: str) -> ExchangeInfo:
    """Describe ``exchange_id`` (raise a French ValidationError when it is unknown)."""
    if exchange_id == PAPER:
        return ExchangeInfo(PAPER, messages.PAPER_NAME, (), False)
    if exchange_id not in ccxt.exchanges:
        raise ValidationError(reason=messages.unknown_exchange(exchange_id))
    # The sync class is only introspected: it opens no connection.
    inst = getattr(ccxt, exchange_id)()
    required = tuple(k for k, v in inst.requiredCredentials.items() if v)
    has_sandbox = bool(inst.urls.get("test"))
    return ExchangeInfo(exchange_id, str(inst.name), required, has_sandbox)


def display_name(exchange_id: str) -> str:
    """Return the exchange's human name (« Binance »), or the id when unknown."""
    try:
        return exchange_info(exchange_id).name
    except ValidationError:
        return exchange_id
