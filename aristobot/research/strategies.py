"""``research.strategy``: a strategy a user stored on the « Stratégies » page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from aristobot.accounts.users import get_user_by_name
from aristobot.db.models import UserRow
from aristobot.errors import NotFound, ValidationError
from aristobot.research import messages as msg
from aristobot.research.workbench import Workbench, workbench
from aristobot.strategies.repository import list_strategies


@dataclass(frozen=True, slots=True)
class StoredStrategy:
    """A user's stored strategy: its source and the settings it was saved with."""

    id: int
    user: str
    name: str
    code: str
    timeframe: str
    window_size: int


def strategy(name: str, user: str | None = None, *, bench: Workbench | None = None
             ) -> StoredStrategy:
    """Return the strategy ``name`` of ``user`` (the only user when omitted).

    Pass it to ``research.backtest`` or ``research.sweep`` like source code.
    """
    wb = bench or workbench()
    with wb.sessions() as s:
        if user is None:
            names = list(s.scalars(select(UserRow.username).order_by(UserRow.username)))
            if len(names) != 1:
                raise ValidationError(
                    reason=msg.USER_NEEDED.format(names=", ".join(names) or msg.NONE_M))
            user = names[0]
        owner = get_user_by_name(s, user)
        if owner is None:
            raise NotFound(what=msg.USER.format(user=user))
        records = list_strategies(s, owner.id)
    for r in records:
        if r.name == name:
            return StoredStrategy(r.id, user, r.name, r.code, r.timeframe, r.window_size)
    available = ", ".join(r.name for r in records) or msg.NONE_F
    raise NotFound(what=msg.STRATEGY_OF.format(name=name, user=user,
                                                   available=available))
