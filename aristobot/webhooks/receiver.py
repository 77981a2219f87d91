"""The receiver's decision for one request: check, store, answer. No HTTP here.

Every request becomes one ``webhooks`` row, written in a single transaction before the answer
(an accepted alert and its duplicate claims together). When the database cannot take it, the
answer is 503 and nothing is stored. Orders are placed later, by the processor.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from aristobot.db.models import WebhookDedupRow, WebhookRow
from aristobot.errors import (
    WebhookAddressRefused,
    WebhookBadSecret,
    WebhookDuplicate,
    WebhookError,
    WebhookRateLimited,
    WebhookSourceDisabled,
    WebhookStoreUnavailable,
    WebhookTooLarge,
    WebhookUnknownSource,
)
from aristobot.webhooks import messages as msg
from aristobot.webhooks import payload as pl
from aristobot.webhooks.sources import SourceAuth, sha256_hex, source_for_token

log = logging.getLogger(__name__)
MAX_BODY = 16 * 1024  # bytes; TradingView messages are a few hundred bytes
DEDUP_WINDOW_S = 15.0
STORED_RAW_LIMIT = 4096  # what is kept of an oversized body


@dataclass(frozen=True, slots=True)
class IncomingRequest:
    token: str
    body: bytes
    content_type: str | None
    client_ip: str | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer to give, and the stored row (``webhook_id`` None when nothing was stored)."""

    http_status: int
    status: str
    message: str
    webhook_id: int | None = None

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.http_status < 300 and self.status != "duplicate",
                "status": self.status, "id": self.webhook_id, "message": self.message}


class _Duplicate(Exception):
    """An accepted alert lost its claim to an earlier copy (rolls its transaction back)."""

    def __init__(self, source: SourceAuth, data: dict[str, Any], keys: list[str]) -> None:
        super().__init__(source.id)
        self.source, self.data, self.keys = source, data, keys


class RateLimiter:
    """Sliding one-minute window per source, in this process (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._hits: dict[int, deque[float]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def allow(self, source_id: int, per_minute: int) -> bool:
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(source_id, deque())
            while hits and now - hits[0] >= 60.0:
                hits.popleft()
            if len(hits) >= per_minute:
                return False
            hits.append(now)
            return True


def address_allowed(ip: str | None, allowlist: tuple[str, ...]) -> bool:
    """An empty list allows any address; otherwise the client must be in one entry."""
    if not allowlist:
        return True
    try:
        addr = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    return any(addr in ipaddress.ip_network(e, strict=False) for e in allowlist)


def secret_matches(source: SourceAuth, data: dict[str, Any]) -> bool:
    given = data.get("secret")
    if not isinstance(given, str):
        given = ""
    # Compare digests in constant time; hashing first also hides the secret's length.
    return hmac.compare_digest(sha256_hex(given), source.secret_hash)


class Receiver:
    """Check and store requests; thread-safe (the HTTP handler calls it from a thread)."""

    def __init__(self, sessions: sessionmaker[Session], *, max_body: int = MAX_BODY,
                 dedup_window_s: float = DEDUP_WINDOW_S,
                 limiter: RateLimiter | None = None) -> None:
        self.sessions = sessions
        self.max_body = max_body
        self.dedup_window_s = dedup_window_s
        self.limiter = limiter or RateLimiter()

    def receive(self, req: IncomingRequest) -> Outcome:
        """Store the request and return the answer (503 when the database is unavailable)."""
        try:
            return self._receive(req)
        except SQLAlchemyError:
            log.exception("webhook not stored: database unavailable")
            err = WebhookStoreUnavailable()
            return Outcome(err.http_status, err.status, err.user_message())

    def _receive(self, req: IncomingRequest) -> Outcome:
        try:
            return self._store(req)
        except _Duplicate as dup:  # its block rolled back: nothing of it is stored yet
            with self.sessions.begin() as s:
                first = s.scalar(select(WebhookDedupRow.webhook_id)
                                 .where(WebhookDedupRow.key.in_(dup.keys)).limit(1))
                return self._reject(s, req, dup.source, WebhookDuplicate(first_id=first or "?"),
                                    dup.data)

    def _store(self, req: IncomingRequest) -> Outcome:
        # One transaction (one pooled connection) per request: the source lookup and the row
        # share it, so a request costs one checkout and one commit.
        with self.sessions.begin() as s:
            if len(req.body) > self.max_body:
                return self._reject(s, req, None, WebhookTooLarge(size=len(req.body),
                                                                  limit=self.max_body), {})
            source = source_for_token(s, req.token) if req.token else None
            if source is None:
                return self._reject(s, req, None, WebhookUnknownSource(), {})
            data: dict[str, Any] = {}
            try:
                self._check_source(source, req)
                data = pl.parse_body(pl.decode_text(req.body))
                if source.require_secret and not secret_matches(source, data):
                    raise WebhookBadSecret(name=source.name)
                alert = pl.parse_alert(data)
            except WebhookError as e:
                return self._reject(s, req, source, e, data)
            keys = pl.dedup_keys(source.id, alert, data, req.received_at.timestamp(),
                                 self.dedup_window_s)
            try:
                return self._accept(s, req, source, data, keys)
            except IntegrityError as e:
                # Another copy holds a claim (maybe in another process): leave the block by an
                # exception so that it rolls back, then record a duplicate.
                raise _Duplicate(source, data, keys) from e

    def _check_source(self, source: SourceAuth, req: IncomingRequest) -> None:
        if not source.enabled:
            raise WebhookSourceDisabled(name=source.name)
        if not address_allowed(req.client_ip, source.ip_allowlist):
            raise WebhookAddressRefused(ip=req.client_ip or "?", name=source.name)
        if not self.limiter.allow(source.id, source.rate_limit_per_minute):
            raise WebhookRateLimited(name=source.name, limit=source.rate_limit_per_minute)

    def _row(self, req: IncomingRequest, source: SourceAuth | None, data: dict[str, Any],
             status: str, http_status: int, error: str | None) -> dict[str, Any]:
        raw = req.body[:STORED_RAW_LIMIT].decode("utf-8", errors="replace")
        stored, raw = pl.redact(data, raw)
        return dict(
            user_id=source.user_id if source else None, source_id=source.id if source else None,
            source=source.name if source else msg.UNKNOWN_SOURCE_NAME, payload=stored, raw_body=raw,
            content_type=(req.content_type or "")[:128] or None,
            client_ip=(req.client_ip or "")[:64] or None, http_status=http_status,
            status=status, error=error, created_at=req.received_at,
            processed=status != "accepted",
        )

    def _reject(self, s: Session, req: IncomingRequest, source: SourceAuth | None,
                err: WebhookError, data: dict[str, Any]) -> Outcome:
        """Add the refused request's row to ``s`` (committed by the caller's block)."""
        msg = err.user_message()
        row_id = self._insert(s, self._row(req, source, data, err.status, err.http_status, msg))
        return Outcome(err.http_status, err.status, msg, row_id)

    def _accept(self, s: Session, req: IncomingRequest, source: SourceAuth,
                data: dict[str, Any], keys: list[str]) -> Outcome:
        """Add the accepted row and its duplicate claims (IntegrityError: a copy has them)."""
        row_id = self._insert(s, self._row(req, source, data, "accepted", 200, None))
        s.execute(insert(WebhookDedupRow),
                  [{"key": k, "webhook_id": row_id}
                   for k in keys])
        return Outcome(200, "accepted", msg.ACCEPTED, row_id)

    @staticmethod
    def _insert(s: Session, values: dict[str, Any]) -> int:
        # A Core INSERT … RETURNING: the ORM's unit of work costs more CPU (and GIL) than the
        # request's own checks, for a row this process never reads back.
        return int(s.execute(insert(WebhookRow).values(**values)
                             .returning(WebhookRow.id)).scalar_one())


def now_utc() -> datetime:
    return datetime.now(UTC)
