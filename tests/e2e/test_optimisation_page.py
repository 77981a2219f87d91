"""« Backtest » → « Optimisation » in a real browser: sweep on Dask (sandboxed runs), heatmap,
verdict, open a cell's full backtest, stored sweep reopened in a new session, cancel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.db.models import StrategyRow, SweepRow, UserRow
from aristobot.strategies.examples import EMA_CROSS_PARAMS_EXAMPLE
from tests.e2e.conftest import login, screenshot
from tests.support.fake_binance import FakeBinance, ThreadedFakeBinance

pytestmark = pytest.mark.e2e


@pytest.fixture
def fake_binance() -> Iterator[FakeBinance]:
    with ThreadedFakeBinance(FakeBinance()) as fake:
        yield fake


def _add_strategy(database_url: str) -> None:
    engine = make_engine(database_url)
    with make_sessionmaker(engine).begin() as s:
        user_id = s.scalar(select(UserRow.id).where(UserRow.username == "dev"))
        s.add(StrategyRow(user_id=user_id, name="EMA réglable", code=EMA_CROSS_PARAMS_EXAMPLE,
                          timeframe="1h", window_size=200))
    engine.dispose()


def _sweeps(database_url: str) -> list[tuple[str, int, int]]:
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as s:
        rows = [(r.status, r.finished_runs, r.planned_runs) for r in
                s.scalars(select(SweepRow).order_by(SweepRow.id))]
    engine.dispose()
    return rows


def _workbench(served_app: Any, fake_binance: FakeBinance) -> Any:
    """A served workbench (one Dask worker) whose user « dev » has a tunable strategy."""
    app = served_app({"ARISTOBOT_EXCHANGE_URL_OVERRIDES": f"binance={fake_binance.url}",
                      "ARISTOBOT_DASK_WORKERS": "1"})
    _add_strategy(app.database_url)
    return app


def _optimisation_page(new_page: Any, app: Any) -> Any:
    """A new session of « dev » on « Backtest » → « Optimisation »."""
    page = new_page()
    login(page, app.base_url, next_page="backtest")
    page.locator(".bt-modes").get_by_text("Optimisation", exact=True).first.click()
    page.locator(".opt-run button").wait_for()
    return page


def _reopen_latest(page: Any) -> str:
    """Reopen the first stored entry of « Optimisations passées »; return its row's text."""
    page.locator(".opt-results").get_by_text("Optimisations passées", exact=True).first.click()
    row = page.locator(".opt-past .tabulator-row").first
    row.wait_for()
    text = str(row.inner_text())
    row.locator(".tabulator-cell[tabulator-field='Stratégie']").click()
    page.locator(".opt-reopen button").click()
    page.locator("#opt-message", has_text="rouverte").wait_for()
    return text


def test_sweep_heatmap_open_cell_reopen_and_cancel(served_app: Any, new_page: Any,
                                                   fake_binance: FakeBinance) -> None:
    app = _workbench(served_app, fake_binance)
    page = _optimisation_page(new_page, app)
    ranges = page.locator(".opt-ranges")
    ranges.locator("text=fast").first.wait_for()  # the declared params, read from the code
    ranges.locator("text=slow").first.wait_for()
    page.locator(".opt-constraints input").fill("slow - fast >= 20")
    page.locator(".opt-constraints input").press("Enter")
    screenshot(page, "optimisation_form")
    page.locator(".opt-run button").click()
    page.locator("#opt-message", has_text="Optimisation terminée").wait_for(timeout=300_000)
    assert "4/4 runs" in page.locator("#opt-message").inner_text()
    page.locator("#opt-count", has_text="4 / 4 backtests").wait_for()
    page.locator("#opt-verdict").wait_for()
    assert page.locator("#opt-verdict").inner_text().count("Verdict") == 1
    heatmap = page.locator(".opt-heatmap").first
    heatmap.wait_for()
    screenshot(page, "optimisation_heatmap")
    assert _sweeps(app.database_url) == [("done", 4, 4)]
    # A click on a cell opens that run's full backtest (chart of the four linked panels).
    box = heatmap.bounding_box()
    assert box is not None
    heatmap.scroll_into_view_if_needed()
    box = heatmap.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4)
    page.locator("#opt-opened", has_text="rendement").wait_for(timeout=120_000)
    chart = page.locator(".opt-chart").first
    chart.wait_for()
    chart.scroll_into_view_if_needed()
    assert (chart.bounding_box() or {"height": 0})["height"] > 300
    screenshot(page, "optimisation_opened_run")
    # The sortable table lists every run.
    page.mouse.wheel(0, -3000)
    page.locator(".opt-results").get_by_text("Tableau", exact=True).first.click()
    assert page.locator(".opt-table .tabulator-row").count() == 4
    screenshot(page, "optimisation_table")

    # A new session reopens the stored sweep.
    other = _optimisation_page(new_page, app)
    _reopen_latest(other)
    other.locator(".opt-heatmap").first.wait_for()
    screenshot(other, "optimisation_reopened")

    # « Annuler » stops a sweep and keeps (and stores) what finished.
    # A bigger sweep (the ranges are edited in the table: « slow » by steps of 1).
    page.mouse.wheel(0, -3000)
    page.locator(".opt-constraints input").fill("fast < slow")
    page.locator(".opt-constraints input").press("Enter")
    step = page.locator(".opt-ranges .tabulator-row").nth(1).locator(
        ".tabulator-cell[tabulator-field='Pas']")
    step.click()
    step.locator("input").fill("1")
    step.locator("input").press("Enter")
    page.locator(".opt-run button").click()
    page.locator("#opt-count", has_text=re.compile(r"^[1-9][0-9]* / (1[0-9][0-9]|[5-9][0-9])"))\
        .wait_for(timeout=300_000)
    page.locator(".opt-cancel button").click()
    page.locator("#opt-message", has_text="Optimisation annulée").wait_for(timeout=120_000)
    screenshot(page, "optimisation_cancelled")
    status, finished, planned = _sweeps(app.database_url)[-1]
    assert status == "cancelled" and 1 <= finished < planned


def _walk_forwards(database_url: str) -> list[tuple[str, int, int, int]]:
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as s:
        rows = [(r.status, r.finished_runs, r.planned_runs, len(r.walk_forward["windows"]))
                for r in s.scalars(select(SweepRow).where(SweepRow.walk_forward.is_not(None)))]
    engine.dispose()
    return rows


def test_walk_forward_side_by_side_verdict_and_reopen(served_app: Any, new_page: Any,
                                                      fake_binance: FakeBinance) -> None:
    app = _workbench(served_app, fake_binance)
    page = _optimisation_page(new_page, app)
    page.locator(".opt-ranges").locator("text=slow").first.wait_for()
    assert page.locator(".opt-broker select option").count() >= 1  # the market's broker
    page.locator(".opt-constraints input").fill("slow - fast >= 20")
    page.locator(".opt-constraints input").press("Enter")
    page.locator(".opt-analysis").get_by_text("Walk-forward", exact=True).click()
    page.locator(".opt-wf-windows").get_by_text("Ancrées", exact=True).click()
    for css, value in ((".opt-wf-splits", "2"), (".opt-wf-is", "50")):
        page.locator(f"{css} input").fill(value)
        page.locator(f"{css} input").press("Enter")
    screenshot(page, "walk_forward_form")
    page.locator(".opt-run button").click()
    page.locator("#opt-message", has_text="Walk-forward terminé").wait_for(timeout=300_000)
    assert "fenêtres jugées hors échantillon" in page.locator("#opt-message").inner_text()
    verdict = page.locator("#opt-verdict")
    verdict.wait_for()
    assert "Hors échantillon" in verdict.inner_text()
    assert verdict.inner_text().count("Verdict") == 1  # said by the text, not also a label
    page.locator("#opt-count", has_text="2 / 2 fenêtres jugées").wait_for()
    walk = page.locator(".opt-walk")
    walk.wait_for()
    for header in ("Objectif appr.", "Objectif test", "Rendement appr. %", "Rendement test %"):
        assert walk.get_by_text(header, exact=True).count() >= 1, header
    assert walk.locator(".tabulator-row").count() == 2
    screenshot(page, "walk_forward_result")
    [(status, finished, planned, windows)] = _walk_forwards(app.database_url)
    assert status == "done" and planned == windows == 2 and 1 <= finished <= 2

    # A new session lists it as a walk-forward, reopens it side by side and puts its settings
    # back in the form.
    other = _optimisation_page(new_page, app)
    assert "Walk-forward" in _reopen_latest(other)
    other.locator(".opt-walk .tabulator-row").nth(1).wait_for()
    assert "Hors échantillon" in other.locator("#opt-verdict").inner_text()
    other.locator("#opt-count", has_text="2 / 2 fenêtres jugées").wait_for()
    other.locator(".opt-analysis .bk-active", has_text="Walk-forward").wait_for()
    other.locator(".opt-wf-windows .bk-active", has_text="Ancrées").wait_for()
    assert other.locator(".opt-wf-splits input").input_value() == "2"
    assert other.locator(".opt-wf-is input").input_value() in ("50", "50.0")
    assert other.locator(".opt-constraints input").input_value() == "slow - fast >= 20"
    other.locator(".opt-analysis").scroll_into_view_if_needed()
    screenshot(other, "walk_forward_reopened_form")
    screenshot(other, "walk_forward_reopened")
