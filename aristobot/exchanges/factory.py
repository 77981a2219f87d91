"""Build configured ``ccxt.async_support`` instances (credentials, sandbox, local overrides)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import ccxt.async_support as ccxt_async

from aristobot.errors import ValidationError
from aristobot.exchanges import messages
from aristobot.exchanges.catalog import exchange_info

DEFAULT_BINANCE_REST = "https://api.binance.com"

# Per-exchange options: spot only, so load_markets is one request and never touches
# futures endpoints or signed currency lists (ccxt 4.5 defaults do both for Binance).
_OPTIONS: dict[str, dict[str, Any]] = {
    "binance": {
        "fetchMarkets": {"types": ["spot"]},
        "fetchCurrencies": False,
        "fetchMargins": False,
        "defaultType": "spot",
    },
}


def url_overrides(
    overrides: Mapping[str, str], binance_rest_url: str = DEFAULT_BINANCE_REST
) -> dict[str, str]:
    """Merge ``ARISTOBOT_EXCHANGE_URL_OVERRIDES`` with a non-default Binance REST URL."""
    out = dict(overrides)
    if "binance" not in out and binance_rest_url.rstrip("/") != DEFAULT_BINANCE_REST:
        out["binance"] = binance_rest_url.rstrip("/")
    return out


def _rewrite(value: Any, base: str) -> Any:
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        parts = urlsplit(value)
        return base + parts.path + (f"?{parts.query}" if parts.query else "")
    if isinstance(value, dict):
        return {k: _rewrite(v, base) for k, v in value.items()}
    return value


def create_exchange(
    exchange_id: str,
    credentials: Mapping[str, str] | None = None,
    *,
    testnet: bool = False,
    override_url: str | None = None,
    timeout_ms: int = 15000,
) -> Any:
    """Return a new, rate-limited ccxt async instance for ``exchange_id`` (caller closes it)."""
    info = exchange_info(exchange_id)
    cls = getattr(ccxt_async, exchange_id)
    config: dict[str, Any] = {
        "enableRateLimit": True,
        "timeout": timeout_ms,
        # The trading page lists every open order at once, knowingly (heavier rate weight).
        "options": {"warnOnFetchOpenOrdersWithoutSymbol": False,
                    **_OPTIONS.get(exchange_id, {})},
    }
    for key, value in (credentials or {}).items():
        if value:
            config[key] = value
    inst = cls(config)
    if testnet:
        if not info.has_sandbox:
            raise ValidationError(reason=messages.no_sandbox(info.name))
        inst.set_sandbox_mode(True)
    if override_url:
        inst.urls["api"] = _rewrite(inst.urls["api"], override_url.rstrip("/"))
    return inst
