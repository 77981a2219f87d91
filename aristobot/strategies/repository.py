"""The ``strategies`` table, scoped by user: list, create, update, rename, duplicate, delete.

Every function takes the ``Session`` and the owner's ``user_id``; a strategy of another user is
« introuvable ». These functions only run the STATIC checks (``validate_source``), the number
of candles (``WINDOW_MIN``..``WINDOW_MAX``) and the timeframe: they are the storage layer.
Pages and services must save code through ``aristobot.strategies.service`` (``create`` /
``save``), which also runs the test on sample candles in a worker before calling these
functions, so nothing the library's « Tester la syntaxe » would refuse is ever stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aristobot.core.strategy_validator import validate_source
from aristobot.db.models import StrategyRow
from aristobot.domain.timeframe import Timeframe
from aristobot.errors import Conflict, NotFound, StrategyInvalid, ValidationError
from aristobot.strategies import messages
from aristobot.strategies.template import TEMPLATE

NAME_MAX = 64
WINDOW_MIN, WINDOW_MAX = 30, 5000


@dataclass(frozen=True, slots=True)
class StrategyRecord:
    id: int
    user_id: int
    name: str
    description: str
    code: str
    timeframe: str
    window_size: int
    created_at: datetime
    updated_at: datetime


def _record(row: StrategyRow) -> StrategyRecord:
    return StrategyRecord(row.id, row.user_id, row.name, row.description, row.code,
                          row.timeframe, row.window_size, row.created_at, row.updated_at)


def validate_name(name: str) -> str:
    """Return the stripped name, or raise a French ``ValidationError``."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(reason=messages.NAME_REQUIRED)
    if len(name) > NAME_MAX:
        raise ValidationError(reason=messages.name_too_long(len(name), NAME_MAX))
    if any(ord(c) < 32 for c in name):
        raise ValidationError(reason=messages.NAME_HAS_CONTROL_CHARACTERS)
    return name


def validate_code(code: str) -> str:
    """Return ``code`` when the static checks pass, else raise ``StrategyInvalid``."""
    report = validate_source(code)
    if not report.ok:
        raise StrategyInvalid(reason=report.summary(), issues=report.issues)
    return code


def validate_window(window_size: object) -> int:
    """Return the number of candles N given to the strategy, or raise a French error."""
    try:
        n = int(str(window_size).strip())
    except (TypeError, ValueError):
        n = None
    if n is None or not WINDOW_MIN <= n <= WINDOW_MAX:
        raise ValidationError(reason=messages.invalid_window(WINDOW_MIN, WINDOW_MAX, window_size))
    return n


def validate_timeframe(timeframe: object) -> str:
    """Return the timeframe's value (« 1m » … « 1d »), or raise a French error."""
    if isinstance(timeframe, Timeframe):
        return timeframe.value
    labels = ", ".join(t.value for t in Timeframe)
    try:
        return Timeframe(str(timeframe).strip()).value
    except ValueError:
        raise ValidationError(reason=messages.unknown_timeframe(timeframe, labels)) from None


def _row(s: Session, user_id: int, strategy_id: int) -> StrategyRow:
    row = s.get(StrategyRow, strategy_id)
    if row is None or row.user_id != user_id:
        raise NotFound(what="Stratégie")
    return row


def _ensure_free(s: Session, user_id: int, name: str, except_id: int | None = None) -> None:
    query = select(StrategyRow.id).where(
        StrategyRow.user_id == user_id, func.lower(StrategyRow.name) == name.lower()
    )
    found = s.scalar(query)
    if found is not None and found != except_id:
        raise Conflict(reason=messages.name_taken(name))


def list_strategies(s: Session, user_id: int) -> list[StrategyRecord]:
    """Return the user's strategies, by name."""
    rows = s.scalars(
        select(StrategyRow).where(StrategyRow.user_id == user_id).order_by(
            func.lower(StrategyRow.name))
    )
    return [_record(r) for r in rows]


def get_strategy(s: Session, user_id: int, strategy_id: int) -> StrategyRecord:
    return _record(_row(s, user_id, strategy_id))


def create_strategy(s: Session, user_id: int, name: str, code: str = TEMPLATE, *,
                    description: str = "", timeframe: str = "1h",
                    window_size: int = 500) -> StrategyRecord:
    """Create a strategy (from the template unless ``code`` is given)."""
    name = validate_name(name)
    row = StrategyRow(user_id=user_id, name=name, code=validate_code(code),
                      description=description.strip(), timeframe=validate_timeframe(timeframe),
                      window_size=validate_window(window_size))
    _ensure_free(s, user_id, name)
    s.add(row)
    s.flush()
    return _record(row)


def update_strategy(s: Session, user_id: int, strategy_id: int, *, code: str | None = None,
                    description: str | None = None, timeframe: str | None = None,
                    window_size: int | None = None) -> StrategyRecord:
    """Change the code (validated) and/or the settings of a strategy."""
    row = _row(s, user_id, strategy_id)
    if code is not None:
        row.code = validate_code(code)
    if description is not None:
        row.description = description.strip()
    if timeframe is not None:
        row.timeframe = validate_timeframe(timeframe)
    if window_size is not None:
        row.window_size = validate_window(window_size)
    s.flush()
    return _record(row)


def rename_strategy(s: Session, user_id: int, strategy_id: int, name: str) -> StrategyRecord:
    row = _row(s, user_id, strategy_id)
    name = validate_name(name)
    _ensure_free(s, user_id, name, except_id=strategy_id)
    row.name = name
    s.flush()
    return _record(row)


def duplicate_strategy(s: Session, user_id: int, strategy_id: int,
                       name: str | None = None) -> StrategyRecord:
    """Copy a strategy under ``name`` (default « <nom> (copie) », numbered if taken)."""
    src = _row(s, user_id, strategy_id)
    if name is None:
        base = f"{src.name[: NAME_MAX - 12]} (copie)"
        name, n = base, 2
        while s.scalar(select(StrategyRow.id).where(
                StrategyRow.user_id == user_id,
                func.lower(StrategyRow.name) == name.lower())) is not None:
            name, n = f"{base} {n}", n + 1
    return create_strategy(s, user_id, name, src.code, description=src.description,
                           timeframe=src.timeframe, window_size=src.window_size)


def delete_strategy(s: Session, user_id: int, strategy_id: int) -> None:
    s.delete(_row(s, user_id, strategy_id))
    s.flush()
