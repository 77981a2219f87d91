"""Webhook sources: one URL token and one body secret per source, scoped by user.

The token and secret are stored twice: a SHA-256 hash (lookup and constant-time check) and a
Fernet copy (shown to their owner on the page). Rotating replaces both; the old URL and the
old secret stop working at once.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aristobot.brokers.repository import get_broker
from aristobot.db.models import WebhookSourceRow
from aristobot.errors import Conflict, NotFound, ValidationError
from aristobot.security import Vault
from aristobot.webhooks import messages as msg

#: Addresses TradingView sends webhooks from (its help page « How to configure webhook alerts »).
TRADINGVIEW_IPS = ("52.89.214.238", "34.212.75.30", "54.218.53.128", "52.32.178.7")
DEFAULT_RATE = 60  # alerts per minute


@dataclass(frozen=True, slots=True)
class Source:
    id: int
    user_id: int
    name: str
    token: str
    secret: str
    require_secret: bool
    enabled: bool
    ip_allowlist: tuple[str, ...]
    rate_limit_per_minute: int
    broker_id: int | None
    created_at: datetime
    rotated_at: datetime | None


@dataclass(frozen=True, slots=True)
class SourceAuth:
    """What the receiver needs to check a request (no plaintext)."""

    id: int
    user_id: int
    name: str
    secret_hash: str
    require_secret: bool
    enabled: bool
    ip_allowlist: tuple[str, ...]
    rate_limit_per_minute: int


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _to_source(r: WebhookSourceRow, vault: Vault) -> Source:
    return Source(r.id, r.user_id, r.name, vault.decrypt(r.token_enc), vault.decrypt(r.secret_enc),
                  r.require_secret, r.enabled, tuple(r.ip_allowlist or ()),
                  r.rate_limit_per_minute, r.broker_id, r.created_at, r.rotated_at)


def check_allowlist(entries: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Validate addresses or networks (« 52.89.214.238 », « 10.0.0.0/8 »)."""
    clean = []
    for e in entries:
        e = e.strip()
        if not e:
            continue
        try:
            ipaddress.ip_network(e, strict=False)
        except ValueError:
            raise ValidationError(reason=msg.BAD_ADDRESS.format(entry=e)) from None
        clean.append(e)
    return tuple(clean)


def _check_name(s: Session, user_id: int, name: str, except_id: int | None = None) -> str:
    name = name.strip()
    if not name or len(name) > 64:
        raise ValidationError(reason=msg.NAME_LENGTH)
    q = select(WebhookSourceRow.id).where(WebhookSourceRow.user_id == user_id,
                                          WebhookSourceRow.name == name)
    found = s.scalar(q)
    if found is not None and found != except_id:
        raise Conflict(reason=msg.NAME_TAKEN.format(name=name))
    return name


def _set_credentials(row: WebhookSourceRow, vault: Vault) -> None:
    token, secret = secrets.token_urlsafe(24), secrets.token_urlsafe(18)
    row.token_hash, row.token_enc = sha256_hex(token), vault.encrypt(token)
    row.secret_hash, row.secret_enc = sha256_hex(secret), vault.encrypt(secret)


def _row(s: Session, user_id: int, source_id: int) -> WebhookSourceRow:
    row = s.scalar(select(WebhookSourceRow).where(WebhookSourceRow.id == source_id,
                                                  WebhookSourceRow.user_id == user_id))
    if row is None:
        raise NotFound(what=msg.SOURCE_WHAT)
    return row


def create_source(s: Session, vault: Vault, user_id: int, name: str, *,
                  broker_id: int | None = None, ip_allowlist: tuple[str, ...] = (),
                  rate_limit_per_minute: int = DEFAULT_RATE,
                  require_secret: bool = True) -> Source:
    """Create a source with a fresh token and secret."""
    if broker_id is not None:
        get_broker(s, user_id, broker_id)  # NotFound for another user's broker
    if not 1 <= rate_limit_per_minute <= 100_000:
        raise ValidationError(reason=msg.RATE_RANGE)
    row = WebhookSourceRow(user_id=user_id, name=_check_name(s, user_id, name),
                           broker_id=broker_id, ip_allowlist=list(check_allowlist(ip_allowlist)),
                           rate_limit_per_minute=rate_limit_per_minute,
                           require_secret=require_secret, enabled=True)
    _set_credentials(row, vault)
    s.add(row)
    s.flush()
    return _to_source(row, vault)


def update_source(s: Session, vault: Vault, user_id: int, source_id: int, *,
                  enabled: bool | None = None, ip_allowlist: tuple[str, ...] | None = None,
                  rate_limit_per_minute: int | None = None,
                  require_secret: bool | None = None) -> Source:
    row = _row(s, user_id, source_id)
    if enabled is not None:
        row.enabled = enabled
    if ip_allowlist is not None:
        row.ip_allowlist = list(check_allowlist(ip_allowlist))
    if rate_limit_per_minute is not None:
        if not 1 <= rate_limit_per_minute <= 100_000:
            raise ValidationError(reason=msg.RATE_RANGE)
        row.rate_limit_per_minute = rate_limit_per_minute
    if require_secret is not None:
        row.require_secret = require_secret
    s.flush()
    return _to_source(row, vault)


def rotate_source(s: Session, vault: Vault, user_id: int, source_id: int) -> Source:
    """Replace the URL token and the secret: the old ones are refused from now on."""
    row = _row(s, user_id, source_id)
    _set_credentials(row, vault)
    row.rotated_at = datetime.now(UTC)
    s.flush()
    return _to_source(row, vault)


def delete_source(s: Session, user_id: int, source_id: int) -> None:
    """Delete a source; its logged requests stay (their source name is kept)."""
    _row(s, user_id, source_id)
    s.execute(delete(WebhookSourceRow).where(WebhookSourceRow.id == source_id,
                                             WebhookSourceRow.user_id == user_id))


def list_sources(s: Session, vault: Vault, user_id: int) -> list[Source]:
    q = select(WebhookSourceRow).where(WebhookSourceRow.user_id == user_id)
    return [_to_source(r, vault) for r in s.scalars(q.order_by(WebhookSourceRow.name))]


def get_source(s: Session, vault: Vault, user_id: int, source_id: int) -> Source:
    return _to_source(_row(s, user_id, source_id), vault)


def source_for_token(s: Session, token: str) -> SourceAuth | None:
    """Find the source of a URL token (looked up by hash: no timing leak on the token)."""
    r = s.scalar(select(WebhookSourceRow).where(WebhookSourceRow.token_hash == sha256_hex(token)))
    if r is None:
        return None
    return SourceAuth(r.id, r.user_id, r.name, r.secret_hash, r.require_secret, r.enabled,
                      tuple(r.ip_allowlist or ()), r.rate_limit_per_minute)

