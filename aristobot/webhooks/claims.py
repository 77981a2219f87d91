"""The queue of accepted alerts in the ``webhooks`` table: claim one, finish it, take over.

An order process claims the oldest « accepted » row (→ « processing », with its name and the
time) in one statement: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several processes take
different rows without waiting; on SQLite the single writer makes the conditional UPDATE
atomic. A claim older than the lease belongs to a process that stopped: another one takes it
over and reconciles the order by client order id (:mod:`aristobot.webhooks.orders`).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from aristobot.db.models import WebhookRow, WebhookSourceRow

TOO_OLD = ("Non traitée : l'alerte a attendu plus de {s} s avant l'envoi de l'ordre (aucun "
           "ordre envoyé ; un ordre tardif pourrait être pire qu'aucun).")


@dataclass(frozen=True, slots=True)
class Claimed:
    """An alert this process now holds."""

    id: int
    user_id: int | None
    source_broker_id: int | None
    payload: dict[str, Any]
    created_at: datetime
    taken_over: bool  # a stale claim of a stopped process: reconcile before anything


def new_owner() -> str:
    """A name unique to this process run (host, pid, random)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _now() -> datetime:
    return datetime.now(UTC)


def _claim(s: Session, owner: str, where: list[Any], taken_over: bool) -> Claimed | None:
    oldest = (select(WebhookRow.id).where(*where).order_by(WebhookRow.id).limit(1)
              .with_for_update(skip_locked=True).scalar_subquery())
    row = s.execute(update(WebhookRow).where(WebhookRow.id == oldest, *where)
                    .values(status="processing", claimed_by=owner, claimed_at=_now())
                    .returning(WebhookRow.id, WebhookRow.user_id, WebhookRow.source_id,
                               WebhookRow.payload, WebhookRow.created_at)).first()
    if row is None:
        return None
    broker = None
    if row.source_id is not None:
        broker = s.scalar(select(WebhookSourceRow.broker_id)
                          .where(WebhookSourceRow.id == row.source_id))
    return Claimed(row.id, row.user_id, broker, dict(row.payload or {}), row.created_at,
                   taken_over)


def claim_next(sessions: sessionmaker[Session], owner: str) -> Claimed | None:
    """Claim the oldest accepted alert, or None when there is none."""
    with sessions.begin() as s:
        return _claim(s, owner, [WebhookRow.status == "accepted"], False)


def claim_stale(sessions: sessionmaker[Session], owner: str, lease: timedelta) -> Claimed | None:
    """Take over the oldest alert claimed longer than ``lease`` ago (its process stopped)."""
    limit = _now() - lease
    with sessions.begin() as s:
        return _claim(s, owner, [WebhookRow.status == "processing",
                                 or_(WebhookRow.claimed_at.is_(None),
                                     WebhookRow.claimed_at < limit)], True)


def finish(sessions: sessionmaker[Session], webhook_id: int, owner: str, status: str,
           error: str | None) -> bool:
    """Close a claimed alert (``done``/``failed``); False when another process took it over."""
    with sessions.begin() as s:
        done = s.execute(update(WebhookRow)
                         .where(WebhookRow.id == webhook_id, WebhookRow.status == "processing",
                                WebhookRow.claimed_by == owner)
                         .values(status=status, error=error, processed=True,
                                 processed_at=_now()))
        return int(getattr(done, "rowcount", 0) or 0) == 1


def pending_count(sessions: sessionmaker[Session]) -> int:
    """Alerts still waiting for their order (accepted or under way)."""
    from sqlalchemy import func

    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(WebhookRow)
                            .where(WebhookRow.status.in_(("accepted", "processing")))) or 0)
