"""Read a user's trades into the frame :func:`~aristobot.stats.metrics.compute_stats` takes.

One SQL query (trades + strategy name + webhook source name), converted column-wise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Float, Select, String, cast, select, type_coerce
from sqlalchemy.orm import Session

from aristobot.db.models import StrategyRow, TradeRow, WebhookRow
from aristobot.stats import messages

NUMERIC = ("filled", "price", "limit_price", "fee", "profit_loss")


@dataclass(frozen=True, slots=True)
class TradeFilter:
    broker_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None  # exclusive


def _num(col: Any, name: str) -> Any:
    # Statistics are float64: the database converts, no Decimal built per value.
    return cast(col, Float).label(name)


def _query(user_id: int, f: TradeFilter) -> Select[Any]:
    q = (select(TradeRow.id, type_coerce(TradeRow.created_at, String).label("created_at"),
                TradeRow.source, TradeRow.broker_id, TradeRow.symbol, TradeRow.side,
                TradeRow.status, _num(TradeRow.filled_quantity, "filled"),
                _num(TradeRow.average_price, "price"), _num(TradeRow.price, "limit_price"),
                _num(TradeRow.fee, "fee"), TradeRow.fee_currency,
                _num(TradeRow.profit_loss, "profit_loss"), StrategyRow.name.label("strategy"),
                WebhookRow.source.label("webhook_source"))
         .outerjoin(StrategyRow, StrategyRow.id == TradeRow.strategy_id)
         .outerjoin(WebhookRow, WebhookRow.id == TradeRow.webhook_id)
         .where(TradeRow.user_id == user_id))
    if f.broker_id is not None:
        q = q.where(TradeRow.broker_id == f.broker_id)
    if f.start is not None:
        q = q.where(TradeRow.created_at >= f.start)
    if f.end is not None:
        q = q.where(TradeRow.created_at < f.end)
    return q.order_by(TradeRow.created_at, TradeRow.id)


COLUMNS = ["id", "created_at", "source", "broker_id", "symbol", "side", "status", "filled",
           "price", "limit_price", "fee", "fee_currency", "profit_loss", "strategy",
           "webhook_source"]


def load_trades(s: Session, user_id: int, f: TradeFilter = TradeFilter()) -> pd.DataFrame:
    """The user's trades (never another user's), one row each, numbers as float64."""
    result = s.connection().execute(_query(user_id, f))
    # Every selected column is already a plain value (floats cast by the database, times as
    # text or driver datetimes): read the driver's tuples without building Row objects.
    rows = result.cursor.fetchall() if result.cursor is not None else []
    table = np.empty((len(rows), len(COLUMNS)), dtype=object)
    if rows:
        table[:] = rows
    df = pd.DataFrame({c: table[:, i] for i, c in enumerate(COLUMNS)})
    for c in NUMERIC:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    df["price"] = df["price"].fillna(df["limit_price"])
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True, format="ISO8601")
    df["origin"] = np.where(
        df["source"] == "strategy", messages.STRATEGY_PREFIX + df["strategy"].fillna("?"),
        np.where(df["source"] == "webhook",
                 messages.WEBHOOK_PREFIX + df["webhook_source"].fillna("?"), messages.MANUAL))
    # Split each distinct symbol once (code -1, a missing symbol, takes the trailing None).
    symbols = df["symbol"].astype("category")
    codes = symbols.cat.codes.to_numpy()
    cats = [str(c) for c in symbols.cat.categories]
    df["base"] = np.array([c.partition("/")[0] for c in cats] + [None], dtype=object)[codes]
    df["quote"] = np.array([c.partition("/")[2] for c in cats] + [None], dtype=object)[codes]
    return df
