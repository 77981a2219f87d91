"""Restart reconciliation, before the first decision.

Positions the engine believes open are compared with the exchange's balances; order attempts
left « pending » by a stop are resolved by client order id; decisions claimed but never
finished are closed as interrupted (a missed candle is never replayed). Every difference is
an alert: nothing known to the exchange is silently overwritten.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from aristobot.db.models import ActiveStrategyRow, StrategyDecisionRow
from aristobot.engine import messages
from aristobot.engine import positions as pos
from aristobot.engine.alerts import raise_alert
from aristobot.engine.execution import ExchangeFor, split_symbol
from aristobot.errors import AristobotError
from aristobot.runtime import Runtime
from aristobot.trading.service import ManualTrading

log = logging.getLogger(__name__)
TOLERANCE = Decimal("0.001")  # fees and rounding: 0.1 % of the quantity


@dataclass(slots=True)
class Reconciliation:
    positions_checked: int = 0
    differences: list[str] = field(default_factory=list)
    trades_resolved: int = 0
    interrupted_decisions: int = 0


async def reconcile(runtime: Runtime, trading: ManualTrading, exchange_for: ExchangeFor
                    ) -> Reconciliation:
    """Compare the engine's state with the exchanges; record differences as alerts."""
    out = Reconciliation()
    with runtime.sessions() as s:
        open_positions = pos.all_open(s)
    brokers = {(p.user_id, p.broker_id) for p in open_positions if p.broker_id is not None}
    for p in open_positions:
        out.positions_checked += 1
        await _check_position(runtime, exchange_for, p, out)
    with runtime.sessions() as s:
        q = (select(ActiveStrategyRow.user_id, ActiveStrategyRow.broker_id)
             .join(StrategyDecisionRow,
                   StrategyDecisionRow.active_strategy_id == ActiveStrategyRow.id)
             .where(StrategyDecisionRow.status == "pending"))
        brokers |= {(u, b) for u, b in s.execute(q).all()}
    for user_id, broker_id in sorted(b for b in brokers if b[1] is not None):
        try:
            out.trades_resolved += await trading.sync_open_trades(user_id, broker_id)
        except AristobotError as e:
            out.differences.append(e.user_message())
    out.interrupted_decisions = _close_interrupted(runtime)
    log.info("engine reconciliation: %s", out)
    return out


async def _check_position(runtime: Runtime, exchange_for: ExchangeFor, p: pos.PositionView,
                          out: Reconciliation) -> None:
    assert p.broker_id is not None
    base, _ = split_symbol(p.symbol)
    try:
        ex = await exchange_for(p.user_id, p.broker_id)
        bal = await ex.fetch_balance()
    except AristobotError as e:
        text = messages.reconcile_impossible(p.symbol, e.user_message())
        out.differences.append(text)
        await raise_alert(runtime.sessions, runtime.bus, p.user_id, "engine.reconcile", text,
                          position_id=p.id)
        return
    held = bal.total_of(base)
    if held + p.quantity * TOLERANCE < p.quantity:
        text = messages.restart_mismatch(p.symbol, p.quantity, base, held)
        out.differences.append(text)
        await raise_alert(runtime.sessions, runtime.bus, p.user_id, "engine.reconcile", text,
                          position_id=p.id, held=str(held), expected=str(p.quantity))


def _close_interrupted(runtime: Runtime) -> int:
    with runtime.sessions.begin() as s:
        rows = list(s.scalars(select(StrategyDecisionRow)
                              .where(StrategyDecisionRow.status == "pending")))
        for r in rows:
            r.status = "error"
            r.reason = messages.INTERRUPTED_DECISION
        return len(rows)
