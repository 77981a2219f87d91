"""Engine alerts: stored in ``alerts`` for the owner and published on the bus."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from aristobot.bus import Bus, Channels
from aristobot.db.models import AlertRow
from aristobot.errors import BusError

log = logging.getLogger(__name__)


async def raise_alert(sessions: sessionmaker[Session], bus: Bus, user_id: int | None,
                      kind: str, message: str, **context: Any) -> None:
    """Store an alert (French ``message``) and publish it.

    The stored row is the alert (pages list them from the database); the publish only makes
    it appear live. A bus failure (``BusError``) is logged and not raised, so that an
    alert about one problem never becomes a second failure in the caller's handling.
    """
    with sessions.begin() as s:
        s.add(AlertRow(user_id=user_id, kind=kind[:32], message=message, context=context))
    log.warning("alert %s (user %s): %s", kind, user_id, message)
    try:
        await bus.publish(Channels.ALERTS, kind, {"user_id": user_id, "message": message,
                                                  **context})
    except BusError:
        log.exception("alert %s stored but not published live", kind)
