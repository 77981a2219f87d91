"""The « Optimisation » mode's texts: every French text in its catalog, the verdict said once,
the progress count naming what it counts."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd

from aristobot.optimize import walk_forward_verdict
from aristobot.optimize.results import SweepRow, WalkForwardResult, Window, WindowResult
from aristobot.ui import optimisation_messages as text
from aristobot.ui.optimisation_page import count_html, verdict_html
from aristobot.ui.optimisation_vm import planned_runs

UI = Path(__file__).resolve().parents[3] / "aristobot" / "ui"
# A capitalised word, an accented letter or a French typographic sign: text a user reads.
FRENCH = re.compile(r"[A-Z][a-z]{2,}|[À-ÿ«»’…]")


def _literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def test_page_and_view_model_hold_no_user_text() -> None:
    for name in ("optimisation_page.py", "optimisation_vm.py"):
        found = [s for s in _literals(UI / name) if FRENCH.search(s)]
        assert found == [], f"{name}: move these to optimisation_messages.py: {found}"


def _walk(n: int) -> WalkForwardResult:
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    row = SweepRow(0, {"fast": 5}, 1.0, {"total_return_pct": 4.0}, 3, True)
    windows = [WindowResult(Window(50 * k, 100 + 50 * k, 150 + 50 * k), t0, t0, t0,
                            {"fast": 5}, row, row, 4) for k in range(n)]
    return WalkForwardResult("sharpe", True, "rolling", windows)


def test_the_verdict_box_says_verdict_once() -> None:
    said = walk_forward_verdict(_walk(2))
    assert "Verdict :" in said
    box = verdict_html(said, flagged=False)
    assert box.count("Verdict") == 1 and text.VERDICT_TITLE in box
    assert "ab-danger" in verdict_html(said, flagged=True)
    assert verdict_html("", flagged=False) == ""


def test_the_count_names_what_it_counts() -> None:
    # A sweep counts backtests; a walk-forward makes, per window, every point in sample then
    # the best one out of sample: 2 windows of 4 points are 10 backtests.
    assert planned_runs({"analysis": "sweep"}, 4) == 4
    assert planned_runs({}, 4) == 4  # stored before walk-forward existed
    assert planned_runs({"analysis": "walk_forward", "n_splits": 2}, 4) == 10
    assert ">3 / 10 backtests<" in count_html(3, 10, text.UNIT_RUNS)
    assert ">2 / 2 fenêtres jugées<" in count_html(2, 2, text.UNIT_WINDOWS)
    assert "runs" not in count_html(2, 2, text.UNIT_WINDOWS)
