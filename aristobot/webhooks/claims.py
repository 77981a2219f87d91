"""The queue of accepted alerts in the ``webhooks`` table: claim one, finish it, take over.

An order process claims the oldest « accepted » rows (→ « processing », with its name and the
time) in one transaction: ``SELECT … FOR UPDATE SKIP LOCKED`` then ``UPDATE`` on PostgreSQL, so
several processes take different rows without waiting; on SQLite the single writer makes one
conditional UPDATE atomic. A claim older than the lease belongs to a process that stopped:
another one takes it over and reconciles the order by client order id
(:mod:`aristobot.webhooks.processor`).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from aristobot.db.models import WebhookRow, WebhookSourceRow


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


def _claim(s: Session, owner: str, where: list[Any], limit: int,
           taken_over: bool) -> list[Claimed]:
    oldest = select(WebhookRow.id).where(*where).order_by(WebhookRow.id).limit(limit)
    if s.get_bind().dialect.name == "postgresql":
        # Lock the picked rows first: in one UPDATE, PostgreSQL may re-run the limited
        # subquery and claim more than ``limit`` rows.
        ids = list(s.scalars(oldest.with_for_update(skip_locked=True)))
        if not ids:
            return []
        target: Any = WebhookRow.id.in_(ids)
    else:  # SQLite: one writer at a time, the statement is atomic
        target = WebhookRow.id.in_(oldest.scalar_subquery())
    rows = s.execute(update(WebhookRow).where(target, *where)
                     .values(status="processing", claimed_by=owner, claimed_at=_now())
                     .returning(WebhookRow.id, WebhookRow.user_id, WebhookRow.source_id,
                                WebhookRow.payload, WebhookRow.created_at)).all()
    sources = {r.source_id for r in rows if r.source_id is not None}
    brokers: dict[int, int | None] = {}
    if sources:
        brokers = {sid: bid for sid, bid in s.execute(
            select(WebhookSourceRow.id, WebhookSourceRow.broker_id)
            .where(WebhookSourceRow.id.in_(sources))).all()}
    return sorted((Claimed(r.id, r.user_id, brokers.get(r.source_id) if r.source_id else None,
                           dict(r.payload or {}), r.created_at, taken_over) for r in rows),
                  key=lambda c: c.id)


def claim_next(sessions: sessionmaker[Session], owner: str, limit: int = 1) -> list[Claimed]:
    """Claim up to ``limit`` accepted alerts, oldest first (none: an empty list)."""
    with sessions.begin() as s:
        return _claim(s, owner, [WebhookRow.status == "accepted"], limit, False)


def claim_stale(sessions: sessionmaker[Session], owner: str, lease: timedelta,
                limit: int = 1) -> list[Claimed]:
    """Take over alerts claimed longer than ``lease`` ago (their process stopped)."""
    old = _now() - lease
    with sessions.begin() as s:
        return _claim(s, owner, [WebhookRow.status == "processing",
                                 or_(WebhookRow.claimed_at.is_(None),
                                     WebhookRow.claimed_at < old)], limit, True)


def release(sessions: sessionmaker[Session], owner: str, ids: list[int]) -> None:
    """Give back claimed alerts that this process will not start (it is stopping)."""
    if ids:
        with sessions.begin() as s:
            s.execute(update(WebhookRow)
                      .where(WebhookRow.id.in_(ids), WebhookRow.status == "processing",
                             WebhookRow.claimed_by == owner)
                      .values(status="accepted", claimed_by=None, claimed_at=None))


@dataclass(frozen=True, slots=True)
class Outcome:
    webhook_id: int
    status: str  # done | failed
    error: str | None


def finish(sessions: sessionmaker[Session], owner: str, outcomes: list[Outcome]) -> int:
    """Close claimed alerts in one transaction; return how many were still this process's
    (an alert taken over by another process is left to it)."""
    if not outcomes:
        return 0
    table = cast(Table, WebhookRow.__table__)
    stmt = (update(table)
            .where(table.c.id == bindparam("wid"), table.c.status == "processing",
                   table.c.claimed_by == owner)
            .values(status=bindparam("st"), error=bindparam("err"), processed=True,
                    processed_at=bindparam("at")))
    now = _now()
    with sessions.begin() as s:
        done = s.connection().execute(stmt, [
            {"wid": o.webhook_id, "st": o.status, "err": o.error, "at": now}
            for o in outcomes])
        return int(getattr(done, "rowcount", 0) or 0)


def pending_count(sessions: sessionmaker[Session]) -> int:
    """Alerts still waiting for their order (accepted or under way)."""
    from sqlalchemy import func

    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(WebhookRow)
                            .where(WebhookRow.status.in_(("accepted", "processing")))) or 0)
