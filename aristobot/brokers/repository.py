"""Brokers (exchange accounts) of a user: CRUD scoped by user, keys Fernet-encrypted.

Keys never leave this module in clear except through :func:`broker_config`, which only the
brokers service calls (``connections`` to open the exchange, ``verification`` to re-check
kept keys); what pages receive (:class:`Broker`) carries masked keys only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aristobot.brokers import messages
from aristobot.db.models import BrokerRow, UserRow
from aristobot.errors import Conflict, NotFound, ValidationError
from aristobot.exchanges.catalog import PAPER, exchange_info
from aristobot.security import Vault, mask

_COLUMNS = {"apiKey": "api_key", "secret": "api_secret", "password": "api_password"}
PAPER_BROKER_NAME = "Paper"
FULL_MASK = "••••••"


@dataclass(frozen=True, slots=True)
class Broker:
    """A broker as pages see it: no secret, only masked hints."""

    id: int
    user_id: int
    name: str
    exchange: str
    is_default: bool
    is_testnet: bool
    is_active: bool
    paper_capital: Decimal | None
    # ccxt credential name -> "••••••1234" for the API key, "••••••" for every secret
    masked: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None

    @property
    def is_paper(self) -> bool:
        return self.exchange == PAPER


@dataclass(frozen=True, slots=True)
class BrokerConfig:
    """What the exchange layer needs to connect; holds secrets (never logged, never shown)."""

    broker: Broker
    credentials: dict[str, str] = field(repr=False)


@dataclass(frozen=True, slots=True)
class BrokerDraft:
    """User input for creating or editing a broker (blank credentials = keep on edit)."""

    name: str
    exchange: str
    credentials: dict[str, str] = field(default_factory=dict, repr=False)
    is_testnet: bool = False
    is_active: bool = True
    is_default: bool = False
    paper_capital: Decimal | None = None


def _decrypt_all(row: BrokerRow, vault: Vault) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, column in _COLUMNS.items():
        token = getattr(row, column)
        if token:
            out[name] = vault.decrypt(token)
    if row.extra_credentials:
        out.update(json.loads(vault.decrypt(row.extra_credentials)))
    return out


def _masked(name: str, value: str) -> str:
    # Only the API key (an identifier) keeps a hint; secrets reveal nothing at all.
    return mask(value) if name == "apiKey" else FULL_MASK


def _to_broker(row: BrokerRow, vault: Vault | None = None) -> Broker:
    masked = {k: _masked(k, v) for k, v in _decrypt_all(row, vault).items()} if vault else {}
    return Broker(row.id, row.user_id, row.name, row.exchange, row.is_default, row.is_testnet,
                  row.is_active, row.paper_capital, masked, row.created_at)


def validate_draft(draft: BrokerDraft, keep: dict[str, str] | None = None) -> dict[str, str]:
    """Check ``draft``; return the full credentials (blank fields taken from ``keep``)."""
    name = draft.name.strip()
    if not 1 <= len(name) <= 64:
        raise ValidationError(reason=messages.NAME_LENGTH)
    info = exchange_info(draft.exchange)
    creds = {k: v.strip() for k, v in draft.credentials.items() if v and v.strip()}
    for k, v in (keep or {}).items():
        creds.setdefault(k, v)
    if info.id == PAPER:
        if draft.is_testnet:
            raise ValidationError(
                reason=messages.PAPER_HAS_NO_TESTNET)
        if draft.paper_capital is not None and draft.paper_capital <= 0:
            raise ValidationError(reason=messages.CAPITAL_NOT_POSITIVE)
        return {}
    missing = [k for k in info.required_credentials if not creds.get(k)]
    if missing:
        from aristobot.exchanges.messages import CREDENTIAL_LABELS

        labels = ", ".join(CREDENTIAL_LABELS.get(k, k) for k in missing)
        raise ValidationError(reason=messages.credentials_required(info.name, labels))
    if draft.is_testnet and not info.has_sandbox:
        raise ValidationError(reason=messages.no_testnet(info.name))
    return {k: v for k, v in creds.items() if k in info.required_credentials or k in _COLUMNS}


def _store_credentials(row: BrokerRow, vault: Vault, creds: dict[str, str]) -> None:
    for name, column in _COLUMNS.items():
        value = creds.get(name)
        setattr(row, column, vault.encrypt(value) if value else None)
    extra = {k: v for k, v in creds.items() if k not in _COLUMNS}
    row.extra_credentials = vault.encrypt(json.dumps(extra)) if extra else None


def _row(s: Session, user_id: int, broker_id: int) -> BrokerRow:
    row = s.scalar(select(BrokerRow).where(BrokerRow.id == broker_id, BrokerRow.user_id == user_id))
    if row is None:
        raise NotFound(what="Broker")
    return row


def _check_name_free(s: Session, user_id: int, name: str, except_id: int | None = None) -> None:
    q = select(BrokerRow.id).where(BrokerRow.user_id == user_id,
                                   func.lower(BrokerRow.name) == name.lower())
    if except_id is not None:
        q = q.where(BrokerRow.id != except_id)
    if s.scalar(q) is not None:
        raise Conflict(reason=messages.name_taken(name))


def _make_default(s: Session, user_id: int, row: BrokerRow) -> None:
    for other in s.scalars(select(BrokerRow).where(BrokerRow.user_id == user_id)):
        other.is_default = other.id == row.id
    user = s.get(UserRow, user_id)
    if user is not None:
        user.default_broker_id = row.id


def create_broker(s: Session, vault: Vault, user_id: int, draft: BrokerDraft) -> Broker:
    """Create a broker for ``user_id``; the first one becomes the default."""
    creds = validate_draft(draft)
    name = draft.name.strip()
    _check_name_free(s, user_id, name)
    row = BrokerRow(user_id=user_id, name=name, exchange=draft.exchange,
                    is_testnet=draft.is_testnet, is_active=draft.is_active, is_default=False,
                    paper_capital=draft.paper_capital if draft.exchange == PAPER else None)
    _store_credentials(row, vault, creds)
    s.add(row)
    s.flush()
    if draft.is_default or default_broker(s, user_id) is None:
        _make_default(s, user_id, row)
    s.flush()
    return _to_broker(row, vault)


def update_broker(s: Session, vault: Vault, user_id: int, broker_id: int,
                  draft: BrokerDraft) -> Broker:
    """Edit a broker; blank credentials keep the stored ones (same exchange only)."""
    row = _row(s, user_id, broker_id)
    keep = _decrypt_all(row, vault) if draft.exchange == row.exchange else {}
    creds = validate_draft(draft, keep)
    name = draft.name.strip()
    _check_name_free(s, user_id, name, except_id=row.id)
    row.name, row.exchange = name, draft.exchange
    row.is_testnet, row.is_active = draft.is_testnet, draft.is_active
    row.paper_capital = draft.paper_capital if draft.exchange == PAPER else None
    _store_credentials(row, vault, creds)
    if draft.is_default:
        _make_default(s, user_id, row)
    s.flush()
    return _to_broker(row, vault)


def delete_broker(s: Session, user_id: int, broker_id: int) -> None:
    """Delete a broker; when it was the default, the oldest remaining one takes over."""
    row = _row(s, user_id, broker_id)
    was_default = row.is_default
    s.delete(row)
    s.flush()
    if was_default:
        nxt = s.scalar(select(BrokerRow).where(BrokerRow.user_id == user_id)
                       .order_by(BrokerRow.id))
        user = s.get(UserRow, user_id)
        if nxt is not None:
            _make_default(s, user_id, nxt)
        elif user is not None:
            user.default_broker_id = None


def set_default_broker(s: Session, user_id: int, broker_id: int) -> Broker:
    row = _row(s, user_id, broker_id)
    _make_default(s, user_id, row)
    s.flush()
    return _to_broker(row)


def get_broker(s: Session, user_id: int, broker_id: int, vault: Vault | None = None) -> Broker:
    """Return one of ``user_id``'s brokers (NotFound for another user's broker)."""
    return _to_broker(_row(s, user_id, broker_id), vault)


def list_brokers(s: Session, user_id: int, vault: Vault | None = None) -> list[Broker]:
    rows = s.scalars(select(BrokerRow).where(BrokerRow.user_id == user_id).order_by(BrokerRow.id))
    return [_to_broker(r, vault) for r in rows]


def default_broker(s: Session, user_id: int) -> Broker | None:
    row = s.scalar(select(BrokerRow).where(BrokerRow.user_id == user_id, BrokerRow.is_default))
    return _to_broker(row) if row is not None else None


def broker_config(s: Session, vault: Vault, user_id: int, broker_id: int) -> BrokerConfig:
    """Return the broker with its decrypted credentials (exchange layer only)."""
    row = _row(s, user_id, broker_id)
    return BrokerConfig(_to_broker(row), _decrypt_all(row, vault))


def ensure_default_paper_broker(s: Session, user_id: int, capital: Decimal | str) -> Broker:
    """Give ``user_id`` a paper broker (default when they have none); idempotent."""
    row = s.scalar(select(BrokerRow).where(BrokerRow.user_id == user_id,
                                           BrokerRow.exchange == PAPER).order_by(BrokerRow.id))
    if row is None:
        name = PAPER_BROKER_NAME
        if s.scalar(select(BrokerRow.id).where(BrokerRow.user_id == user_id,
                                               BrokerRow.name == name)):
            name = f"{PAPER_BROKER_NAME} {user_id}"
        row = BrokerRow(user_id=user_id, name=name, exchange=PAPER, is_default=False,
                        is_testnet=False, is_active=True, paper_capital=Decimal(str(capital)))
        s.add(row)
        s.flush()
    if default_broker(s, user_id) is None:
        _make_default(s, user_id, row)
        s.flush()
    return _to_broker(row)


def testnet_in_use(s: Session, user_id: int) -> bool:
    """True when one of the user's active brokers runs on a testnet (status bar warning)."""
    q = select(BrokerRow.id).where(BrokerRow.user_id == user_id, BrokerRow.is_active,
                                   BrokerRow.is_testnet).limit(1)
    return s.scalar(q) is not None


def active_exchanges(s: Session) -> set[str]:
    """Exchange ids of every active broker of every user (shared, no user data)."""
    rows = s.scalars(select(BrokerRow.exchange).where(BrokerRow.is_active).distinct())
    return set(rows)
