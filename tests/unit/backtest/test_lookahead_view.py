"""The page's look-ahead verdict: « non vérifié » unless a check ran, never biased figures
without the warning, the exact figures beside when known (worker data: read defensively)."""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from aristobot.backtest.diagnostics import lookahead_view
from aristobot.core.backtest.types import LookaheadReport

INDEX = pd.date_range("2024-01-01", periods=100, freq="1min", tz="UTC")


def test_no_report_and_no_check_are_not_verified() -> None:
    assert lookahead_view(None, INDEX)[0] is None
    unchecked = asdict(LookaheadReport(0, (), False, verified=False, summary="Non vérifié : x"))
    ok, text = lookahead_view(unchecked, INDEX)
    assert ok is None and text == "Non vérifié : x"
    # A stored report from before the field existed, with nothing checked: not verified.
    assert lookahead_view({"ok": True, "checked_bars": 0, "mismatches": []}, INDEX)[0] is None


def test_a_passed_check_states_what_it_proves() -> None:
    report = asdict(LookaheadReport(120, (), True, summary="120 barres ... 4,9 % des barres"))
    ok, text = lookahead_view(report, INDEX)
    assert ok is True and text.startswith("Chemin rapide vérifié : 120 barres")
    full = asdict(LookaheadReport(100, (), True, summary="Vérification complète : 100", full=True))
    assert lookahead_view(full, INDEX) == (True, "Vérification complète : 100")


def test_a_flagged_run_shows_the_exact_figures_beside() -> None:
    report = asdict(LookaheadReport(80, (3, 7), False, details=("Barre 3 : a", "Barre 7 : b")))
    meta = {"exact": {"trades": 12, "total_return_pct": -8.04}}
    ok, text = lookahead_view(report, INDEX, "UTC", meta, {"trades": 30, "total_return_pct": 46.1})
    assert ok is False and "2024-01-01 00:03" in text and "Barre 3 : a" in text
    assert "Résultat honnête (mode exact) : 12 trades, -8.04 %" in text
    assert "chemin rapide (biaisé) : 30 trades, +46.10 %" in text
    # Without the exact figures (long run) or with garbage from the worker: still the warning.
    for meta in (None, {"exact": None}, {"exact": {"trades": "12", "total_return_pct": []}},
                 {"exact": "x"}):
        flagged, warning = lookahead_view(report, INDEX, "UTC", meta, {})
        assert flagged is False and "biaisé" in warning
