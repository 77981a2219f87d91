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


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _exact_beside(meta: Mapping[str, Any] | None, stats: Mapping[str, Any] | None) -> str:
    exact = (meta or {}).get("exact")
    if not isinstance(exact, Mapping):
        return ("Le résultat affiché est celui du chemin rapide, biaisé : relancez en mode "
                "exact pour le résultat honnête.")
    trades, ret = _number(exact.get("trades")), _number(exact.get("total_return_pct"))
    fast_ret = _number((stats or {}).get("total_return_pct"))
    fast_trades = _number((stats or {}).get("total_trades", (stats or {}).get("trades")))
    if trades is None or ret is None:
        return "Le résultat affiché est celui du chemin rapide, biaisé."
    fast = ""
    if fast_ret is not None:
        count = f"{fast_trades:.0f} trades, " if fast_trades is not None else ""
        fast = f" ; chemin rapide (biaisé) : {count}{fast_ret:+.2f} %"
    return (f"Résultat honnête (mode exact) : {trades:.0f} trades, {ret:+.2f} %{fast}. "
            "Les chiffres affichés sont ceux du chemin rapide.")


def lookahead_view(report: Mapping[str, Any] | None, index: pd.DatetimeIndex | None,
                   tz: str = "UTC", meta: Mapping[str, Any] | None = None,
                   stats: Mapping[str, Any] | None = None) -> tuple[bool | None, str]:
    """Return (verdict, French text): True verified, False look-ahead found, None unchecked."""
    if report is None:
        return None, "Non vérifié : aucune vérification du look-ahead pour ce résultat."
    checked = int(report.get("checked_bars") or 0)
    verified = bool(report.get("verified", checked > 0)) and (checked > 0
                                                                or bool(report.get("cuts")))
    summary = str(report.get("summary") or "")
    if not verified:
        return None, summary or "Non vérifié : aucune barre n'a été comparée au chemin exact."
    if report.get("ok") and report.get("full") and summary:
        return True, summary
    if report.get("ok"):
        text = summary or f"identique au chemin exact sur {checked} barres."
        return True, f"Chemin rapide vérifié : {text}"
    bars = [int(b) for b in report.get("mismatches", []) if isinstance(b, int)][:5]
    when = ", ".join(
        format_dt(index[b].to_pydatetime(), tz, "%Y-%m-%d %H:%M")
        if index is not None and 0 <= b < len(index) else f"barre {b}" for b in bars)
    details = " ; ".join(str(d) for d in report.get("details", [])[:3])
    return False, (f"Look-ahead ou dépendance à la fenêtre détecté : le chemin rapide diffère "
                   f"du chemin exact aux barres {when}. {details} "
                   f"{_exact_beside(meta, stats)}").strip()
