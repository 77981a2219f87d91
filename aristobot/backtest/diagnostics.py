"""Strategy decision errors and the look-ahead check of a backtest, told to the user in French.

``lookahead_view`` turns the check's report (live or stored) into the page's verdict: « non
vérifié » when no check ran (never « vérifié »), what was checked and its guarantee when it
passed, and when it failed the differing bars with the exact-mode figures beside the fast
ones (``meta["exact"]``, worker data: read defensively).

The simulator never places an order for a decision that comes back as ``ERROR`` (a size, stop
or target out of range) and counts them in the result's meta: ``errors``, ``first_error``
(``(bar, message)``) and ``valid_decisions``. A few failed decisions are a warning shown beside
the result; a strategy whose every decision failed produced nothing worth showing, so the
backtest ends with an error instead of « 0 trade ». (An exception raised by the strategy's own
code stops the run in the worker and reaches the user with its line number.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from aristobot.backtest import messages as msg
from aristobot.core.timefmt import format_dt


@dataclass(frozen=True, slots=True)
class DecisionErrors:
    count: int
    bar: int | None
    message: str
    valid_decisions: int | None  # None: unknown (results stored before it was counted)

    @property
    def all_failed(self) -> bool:
        return self.count > 0 and self.valid_decisions == 0


def decision_errors(meta: Mapping[str, Any] | None) -> DecisionErrors:
    """Read the error figures of a result's meta (live result or stored JSON)."""
    meta = meta or {}
    count = int(meta.get("errors") or 0)
    first = meta.get("first_error")
    bar: int | None = None
    message = ""
    if isinstance(first, list | tuple) and len(first) == 2:
        bar, message = int(first[0]), str(first[1] or "")
    valid = meta.get("valid_decisions")
    return DecisionErrors(count, bar, message, None if valid is None else int(valid))


def _when(errors: DecisionErrors, index: pd.DatetimeIndex | None, tz: str) -> str:
    if errors.bar is None:
        return ""
    if index is not None and 0 <= errors.bar < len(index):
        return msg.on_date(format_dt(index[errors.bar].to_pydatetime(), tz, "%Y-%m-%d %H:%M"))
    return msg.at_bar(errors.bar)


def errors_text(meta: Mapping[str, Any] | None, index: pd.DatetimeIndex | None,
                tz: str = "UTC") -> str:
    """Return the French warning about failed decisions, or "" when there was none."""
    e = decision_errors(meta)
    if e.count == 0:
        return ""
    head = (msg.all_decisions_failed(e.count) if e.all_failed
            else msg.some_decisions_failed(e.count))
    if not e.message:
        return head
    return msg.first_error(head, _when(e, index, tz), e.message)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _exact_beside(meta: Mapping[str, Any] | None, stats: Mapping[str, Any] | None) -> str:
    exact = (meta or {}).get("exact")
    if not isinstance(exact, Mapping):
        return msg.BIASED_RERUN
    trades, ret = _number(exact.get("trades")), _number(exact.get("total_return_pct"))
    fast_ret = _number((stats or {}).get("total_return_pct"))
    fast_trades = _number((stats or {}).get("total_trades", (stats or {}).get("trades")))
    if trades is None or ret is None:
        return msg.BIASED
    fast = ""
    if fast_ret is not None:
        count = msg.trade_count(fast_trades) if fast_trades is not None else ""
        fast = msg.fast_figures(count, fast_ret)
    return msg.exact_beside(trades, ret, fast)


def lookahead_view(report: Mapping[str, Any] | None, index: pd.DatetimeIndex | None,
                   tz: str = "UTC", meta: Mapping[str, Any] | None = None,
                   stats: Mapping[str, Any] | None = None) -> tuple[bool | None, str]:
    """Return (verdict, French text): True verified, False look-ahead found, None unchecked."""
    if report is None:
        return None, msg.NO_CHECK
    checked = int(report.get("checked_bars") or 0)
    verified = bool(report.get("verified", checked > 0)) and (checked > 0
                                                                or bool(report.get("cuts")))
    summary = str(report.get("summary") or "")
    if not verified:
        return None, summary or msg.NO_BAR_COMPARED
    if report.get("ok") and report.get("full") and summary:
        return True, summary
    if report.get("ok"):
        return True, msg.verified(summary or msg.same_on(checked))
    bars = [int(b) for b in report.get("mismatches", []) if isinstance(b, int)][:5]
    when = ", ".join(
        format_dt(index[b].to_pydatetime(), tz, "%Y-%m-%d %H:%M")
        if index is not None and 0 <= b < len(index) else msg.bar_label(b) for b in bars)
    details = " ; ".join(str(d) for d in report.get("details", [])[:3])
    return False, msg.lookahead_found(when, details, _exact_beside(meta, stats))
