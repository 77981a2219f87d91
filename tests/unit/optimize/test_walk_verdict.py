"""The walk-forward's French verdict and its stored/displayed record, on hand-built windows."""

from __future__ import annotations

import pandas as pd

from aristobot.optimize import walk_forward_verdict
from aristobot.optimize.results import SweepRow, WalkForwardResult, Window, WindowResult
from aristobot.sweeps.records import WALK_COLUMNS, walk_forward_record, walk_frame

T0 = pd.Timestamp("2024-01-01", tz="UTC")


def _row(ret: float, lookahead: bool = True) -> SweepRow:
    return SweepRow(0, {"fast": 5}, ret / 10, {"total_return_pct": ret}, 3, lookahead)


def _result(pairs: list[tuple[float, float | None]], flagged: bool = False) -> WalkForwardResult:
    windows = []
    for k, (is_ret, oos_ret) in enumerate(pairs):
        win = Window(50 * k, 100 + 50 * k, 150 + 50 * k)  # in sample 100 bars, out of sample 50
        oos = None if oos_ret is None else _row(oos_ret, not flagged)
        windows.append(WindowResult(win, T0, T0 + pd.Timedelta(hours=100 + 50 * k),
                                    T0 + pd.Timedelta(hours=149 + 50 * k), {"fast": 5},
                                    _row(is_ret), oos, 4))
    return WalkForwardResult("sharpe", True, "anchored", windows)


def test_holding_out_of_sample_is_robust() -> None:
    # 10 % over 100 bars in sample, 4 % over 50 out of sample: efficiency 80 %.
    text = walk_forward_verdict(_result([(10.0, 4.0), (10.0, 4.0)]))
    assert "2 fenêtre(s) sur 2" in text and "80 %" in text and "tiennent hors" in text


def test_losing_out_of_sample_fails() -> None:
    text = walk_forward_verdict(_result([(10.0, -1.0), (12.0, -3.0)]))
    assert "0 fenêtre(s) sur 2" in text and "ne tiennent pas" in text


def test_weak_out_of_sample_is_fragile() -> None:
    # Efficiency 10 %: positive but far below the in-sample rate.
    text = walk_forward_verdict(_result([(20.0, 1.0), (20.0, 1.0)]))
    assert "fragile" in text


def test_nothing_judged_and_flagged() -> None:
    assert "Aucune fenêtre" in walk_forward_verdict(_result([(10.0, None)]))
    assert walk_forward_verdict(_result([(10.0, 4.0)], flagged=True)).startswith("Attention")


def test_record_and_frame_side_by_side() -> None:
    record = walk_forward_record(_result([(10.0, 4.0), (10.0, None)]), "verdict")
    assert record["kind"] == "anchored" and record["verdict"] == "verdict"
    assert record["windows"][0]["out_of_sample"]["return_pct"] == 4.0
    assert record["windows"][1]["out_of_sample"] is None
    frame = walk_frame(record)
    assert list(frame.columns) == WALK_COLUMNS and len(frame) == 2
    first = frame.iloc[0]
    assert (first["Rendement appr. %"], first["Rendement test %"]) == (10.0, 4.0)
    assert first["Paramètres"] == "fast=5"
    assert walk_frame(None).empty
