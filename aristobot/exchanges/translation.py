"""The one boundary where ccxt exceptions become Aristobot errors (French, technical)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from decimal import Decimal, InvalidOperation

import ccxt.async_support as ccxt

from aristobot.errors import (
    AristobotError,
    AuthenticationFailed,
    ExchangeError,
    InsufficientFunds,
    OrderNotFound,
    OrderRejected,
    RateLimited,
    TemporaryError,
)

log = logging.getLogger(__name__)

_JSON_BODY = re.compile(r"\{.*\}", re.S)
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/?#\"']+([^\s?#\"']*)(\?[^\s#\"']*)?(#\S*)?", re.I)
# "a=1&b=2" (a query string without its URL) and lone credentials such as "signature=…"
_QUERY = re.compile(r"[?&]?[\w.\-\[\]]+=[^\s&]*(?:&[\w.\-\[\]]+=[^\s&]*)+")
_SECRET_PARAM = re.compile(
    r"\b(signature|sign|api[-_]?key|apikey|secret|password|passphrase|token|x-mbx-apikey)"
    r"\s*[=:]\s*[^\s&,;]+", re.I)


def scrub(text: str) -> str:
    """Remove what must never be stored or logged from exchange text.

    URLs keep only their path (no host, no query: a signed query holds the signature and
    sometimes the key); bare query strings and ``signature=…``-like pairs are removed.
    """
    text = _URL.sub(lambda m: m.group(1) or "/", text)
    text = _QUERY.sub("", text)
    text = _SECRET_PARAM.sub(lambda m: f"{m.group(1)}=…", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def error_reason(exc: BaseException) -> str:
    """Return the exchange's own message (``msg`` of a JSON body) or the exception text.

    The result is scrubbed (:func:`scrub`): it is shown, stored in ``trades`` and logged.
    """
    return scrub(_raw_reason(exc))[:300] or type(exc).__name__


def _raw_reason(exc: BaseException) -> str:
    text = str(exc).strip()
    match = _JSON_BODY.search(text)
    if match:
        try:
            body = json.loads(match.group(0))
        except ValueError:
            body = None
        if isinstance(body, dict):
            for key in ("msg", "message", "error_description", "error"):
                value = body.get(key)
                if isinstance(value, str) and value:
                    return value
    if not text:
        return type(exc).__name__
    # ccxt prefixes messages with the exchange id ("binance GET http://..."): drop it.
    first, _, rest = text.partition(" ")
    if rest and first in ccxt.exchanges:
        text = rest
    return text


# Known exchange answers, told in French (the user never reads the exchange's English).
_KNOWN: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.I), fr) for p, fr in (
    (r"invalid api-key|api-key format invalid|invalid api key", "clé API refusée, adresse IP "
     "non autorisée ou permissions insuffisantes"),
    (r"signature for this request is not valid|invalid signature", "signature refusée : le "
     "secret API ne correspond pas à la clé"),
    (r"timestamp for this request|recvwindow", "horloge de la machine décalée"),
    (r"LOT_SIZE|MARKET_LOT_SIZE", "quantité non conforme au minimum ou au pas du marché"),
    (r"MIN_NOTIONAL|NOTIONAL", "montant de l'ordre inférieur au minimum du marché"),
    (r"PRICE_FILTER|PERCENT_PRICE", "prix hors des limites du marché"),
    (r"invalid symbol|bad symbol|BadSymbol", "symbole inconnu sur ce marché"),
    (r"market is closed|trading is disabled|not trading", "marché fermé"),
    (r"Binance hors ligne \(services\.replay\)", "Binance hors ligne : seules les données "
     "publiques de marché sont servies ; pour passer des ordres, utilisez le broker Paper"),
))
_PAPER_FUNDS = re.compile(r"insufficient (\w+) balance: need ([\d.]+), free ([\d.]+)")


def _amount(text: str) -> str:
    """Return ``text`` (a decimal) in French notation: 2 decimals from 1 up, else up to 8."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    out = f"{value:,.{2 if abs(value) >= 1 else 8}f}"
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    return out.replace(",", "\u202f").replace(".", ",")


def french_detail(exc: BaseException, reason: str) -> str:
    """Return « (what the exchange said, in French) » for known answers, else ``""``."""
    funds = _PAPER_FUNDS.search(str(exc))
    if funds:
        asset, need, free = funds.groups()
        return (f" (il faut {_amount(need)} {asset}, {_amount(free)} {asset} "
                "disponibles)")
    for pattern, french in _KNOWN:
        if pattern.search(reason) or pattern.search(type(exc).__name__):
            return f" ({french})"
    return ""


def translate(exc: BaseException, exchange: str) -> AristobotError:
    """Map ``exc`` (ccxt, aiohttp, timeout) to an Aristobot error; ``exchange`` is a name.

    The exchange's text (``reason``) is logged and kept in ``str(error)``; the user message is
    French (:mod:`aristobot.errors`), with a French ``detail`` for known answers.
    """
    if isinstance(exc, AristobotError):
        return exc
    reason = error_reason(exc)
    log.warning("%s: %s: %s", exchange, type(exc).__name__, reason)
    ctx = {"exchange": exchange, "reason": reason, "detail": french_detail(exc, reason)}
    if isinstance(exc, ccxt.AuthenticationError | ccxt.PermissionDenied | ccxt.AccountSuspended):
        return AuthenticationFailed(**ctx)
    if isinstance(exc, ccxt.InsufficientFunds):
        return InsufficientFunds(**ctx)
    if isinstance(exc, ccxt.OrderNotFound):
        return OrderNotFound(**ctx)
    if isinstance(exc, ccxt.InvalidOrder | ccxt.BadSymbol) or reason.startswith("Filter failure"):
        return OrderRejected(**ctx)
    if isinstance(exc, ccxt.RateLimitExceeded | ccxt.DDoSProtection):
        return RateLimited(**ctx)
    if isinstance(exc, ccxt.NetworkError | ccxt.InvalidNonce):
        return TemporaryError(**ctx)
    if isinstance(exc, ccxt.BaseError):
        return ExchangeError(**ctx)
    if isinstance(exc, asyncio.TimeoutError | ConnectionError | OSError):
        return TemporaryError(**ctx)
    try:
        import aiohttp
    except ImportError:  # pragma: no cover - aiohttp ships with ccxt
        aiohttp = None  # type: ignore[assignment]
    if aiohttp is not None and isinstance(exc, aiohttp.ClientError):
        return TemporaryError(**ctx)
    return ExchangeError(**ctx)


def is_ambiguous(exc: BaseException) -> bool:
    """True when a request may have been executed although we got no answer."""
    if isinstance(exc, ccxt.RateLimitExceeded | ccxt.DDoSProtection):
        return False  # the exchange refused before doing anything
    return isinstance(exc, ccxt.NetworkError | asyncio.TimeoutError | ConnectionError) or (
        isinstance(exc, TemporaryError) and not isinstance(exc, RateLimited)
    )
