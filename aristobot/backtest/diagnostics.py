"""Strategy decision errors of a backtest, told to the user in French.

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
        return f"le {format_dt(index[errors.bar].to_pydatetime(), tz, '%Y-%m-%d %H:%M')}"
    return f"à la barre {errors.bar}"


def errors_text(meta: Mapping[str, Any] | None, index: pd.DatetimeIndex | None,
                tz: str = "UTC") -> str:
    """Return the French warning about failed decisions, or "" when there was none."""
    e = decision_errors(meta)
    if e.count == 0:
        return ""
    plural = "s" if e.count > 1 else ""
    head = (f"La stratégie n'a pris aucune décision valable : {e.count} décision{plural} "
            f"en erreur, aucun ordre simulé. Corrigez-la puis relancez le backtest."
            if e.all_failed else
            f"Attention : {e.count} décision{plural} de la stratégie en erreur (aucun ordre "
            f"pour celle{plural}-ci) : le résultat ne reflète pas toute la stratégie.")
    if not e.message:
        return head
    when = _when(e, index, tz)
    return f"{head} Première erreur{' ' + when if when else ''} : {e.message}"
