"""View-model of « Statistiques »: the logged-in user's trades, filtered, summarised."""

from __future__ import annotations

import io
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
import param

from aristobot.brokers import list_brokers
from aristobot.runtime import Runtime
from aristobot.stats import SUMMARY_COLUMNS, Stats, TradeFilter, compute_stats, load_trades
from aristobot.ui import messages as msg
from aristobot.ui import page_messages as lbl
from aristobot.ui.numbers import EMPTY

log = logging.getLogger(__name__)
EXPORT_COLUMNS = lbl.EXPORT_COLUMNS


def undefined_as_dash(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells without a value (a win rate with no sale) read « — », not « NaN »; the other
    cells stay numbers (they sort as numbers and the table formats them)."""
    out = frame.copy()
    for col in out.columns[out.isna().any()]:
        out[col] = out[col].astype(object).where(out[col].notna(), EMPTY)
    return out


class StatsVM(param.Parameterized):
    broker: Any = param.Selector(default=0, objects=[0])  # 0: every broker
    start: Any = param.Date(default=None, allow_None=True)
    end: Any = param.Date(default=None, allow_None=True)
    summary = param.DataFrame(default=pd.DataFrame(columns=SUMMARY_COLUMNS))
    stats: Any = param.ClassSelector(class_=Stats, default=None, allow_None=True)
    info = param.String(default="")
    error = param.String(default="")

    def __init__(self, runtime: Runtime, user_id: int, **params: Any) -> None:
        super().__init__(**params)
        self._runtime = runtime
        self._user_id = user_id
        with runtime.sessions() as s:
            brokers = list_brokers(s, user_id)
        self.broker_names = {lbl.ALL_BROKERS: 0,
                             **{f"{b.name} ({b.exchange})": b.id for b in brokers}}
        self.param.broker.objects = list(self.broker_names.values())
        self.refresh()

    def _filter(self) -> TradeFilter:
        def at(d: date | None, days: int = 0) -> datetime | None:
            if d is None:
                return None
            return datetime.combine(d, time(0), UTC) + timedelta(days=days)

        return TradeFilter(broker_id=self.broker or None, start=at(self.start),
                           end=at(self.end, 1))  # the end day is included

    @param.depends("broker", "start", "end", watch=True)
    def refresh(self) -> None:
        """Reload the trades for the filters and recompute everything."""
        if self.start and self.end and self.start > self.end:
            self.error = msg.START_AFTER_END
            return
        with self._runtime.sessions() as s:
            frame = load_trades(s, self._user_id, self._filter())
        self.stats = compute_stats(frame)
        self.summary = undefined_as_dash(self.stats.summary.round(2))
        self.error = ""
        n = len(self.stats.trades)
        self.info = (msg.TRADES_SUMMARY.format(filled=n, attempts=len(frame)) if len(frame)
                     else msg.NO_TRADES)

    def csv(self) -> io.StringIO:
        """The executed trades with their fees and realised P&L (CSV, « ; » separated)."""
        out = io.StringIO()
        t = self.stats.trades if self.stats is not None else pd.DataFrame()
        if len(t):
            t[list(EXPORT_COLUMNS)].rename(columns=EXPORT_COLUMNS).to_csv(
                out, sep=";", index=False, float_format="%.10g")
        else:
            out.write(";".join(EXPORT_COLUMNS.values()) + "\n")
        out.seek(0)
        return out
