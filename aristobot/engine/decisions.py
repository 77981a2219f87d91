"""The ``strategy_decisions`` journal: exactly one decision per (active strategy, candle).

``claim`` inserts the row first, under a unique key: a repeated signal (a restart, two
heartbeats, a replay) finds the key taken and does nothing, so it can never place a second
order. The row then receives the snapshot « Rejouer » reopens (candle range and hash,
inputs, outputs, timings).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aristobot.core.strategy_api import Decision, Position
from aristobot.db.models import StrategyDecisionRow


@dataclass(frozen=True, slots=True)
class DecisionView:
    id: int
    active_strategy_id: int
    candle_open_time: datetime
    status: str
    action: str | None
    reason: str | None
    candles_from: datetime | None
    candles_to: datetime | None
    candles_count: int | None
    candles_hash: str | None
    code_hash: str | None
    inputs: dict[str, Any] | None
    outputs: dict[str, Any] | None
    timings: dict[str, Any] | None
    trade_id: int | None
    created_at: datetime


def _view(r: StrategyDecisionRow) -> DecisionView:
    return DecisionView(r.id, r.active_strategy_id, r.candle_open_time, r.status, r.action,
                        r.reason, r.candles_from, r.candles_to, r.candles_count, r.candles_hash,
                        r.code_hash, r.inputs, r.outputs, r.timings, r.trade_id, r.created_at)


def candles_hash(candles: pd.DataFrame) -> str:
    """A stable hash of the OHLCV values and open times a decision saw."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(candles.index.as_unit("ms").asi8).tobytes())
    cols = candles[["open", "high", "low", "close", "volume"]].to_numpy(dtype=np.float64)
    h.update(np.ascontiguousarray(cols).tobytes())
    return h.hexdigest()


def claim(s: Session, *, user_id: int, active_strategy_id: int, candle_open_time: datetime,
          timeframe: str) -> int | None:
    """Insert the decision row; None when this candle was already claimed (a repeat)."""
    try:
        with s.begin_nested():
            row = StrategyDecisionRow(user_id=user_id, active_strategy_id=active_strategy_id,
                                      candle_open_time=candle_open_time, timeframe=timeframe,
                                      status="pending")
            s.add(row)
            s.flush()
            return row.id
    except IntegrityError:
        return None


def position_dict(p: Position | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"side": p.side, "quantity": p.quantity, "entry_price": p.entry_price,
            "stop_loss": p.stop_loss, "take_profit": p.take_profit}


def decision_dict(d: Decision) -> dict[str, Any]:
    return {"action": d.action.value, "size": d.size, "stop_loss": d.stop_loss,
            "take_profit": d.take_profit, "error": d.error}


def record(s: Session, decision_id: int, **fields: Any) -> None:
    """Update a claimed row (status, snapshot, timings, trade id)."""
    row = s.get(StrategyDecisionRow, decision_id)
    if row is None:
        return
    for k, v in fields.items():
        setattr(row, k, v)


def snapshot_fields(candles: pd.DataFrame, code_hash: str, balance: float,
                    position: Position | None) -> dict[str, Any]:
    idx = candles.index
    return {"candles_from": idx[0].to_pydatetime() if len(idx) else None,
            "candles_to": idx[-1].to_pydatetime() if len(idx) else None,
            "candles_count": len(idx), "candles_hash": candles_hash(candles),
            "code_hash": code_hash,
            "inputs": {"balance": balance, "position": position_dict(position)}}


def list_decisions(s: Session, user_id: int, active_strategy_id: int,
                   start: datetime | None = None, end: datetime | None = None,
                   limit: int | None = None) -> list[DecisionView]:
    """The user's decisions of one active strategy, oldest first (newest when ``limit``)."""
    q = select(StrategyDecisionRow).where(StrategyDecisionRow.user_id == user_id,
                                          StrategyDecisionRow.active_strategy_id
                                          == active_strategy_id)
    if start is not None:
        q = q.where(StrategyDecisionRow.candle_open_time >= start)
    if end is not None:
        q = q.where(StrategyDecisionRow.candle_open_time < end)
    if limit is not None:
        rows = list(s.scalars(q.order_by(StrategyDecisionRow.candle_open_time.desc())
                              .limit(limit)))
        return [_view(r) for r in reversed(rows)]
    return [_view(r) for r in s.scalars(q.order_by(StrategyDecisionRow.candle_open_time))]
