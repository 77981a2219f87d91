"""« Backtest » in a real browser: run (candles from the fake Binance), chart, cancel loading."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.db.models import StrategyRow, UserRow
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE
from tests.e2e.conftest import login, screenshot
from tests.support.fake_binance import FakeBinance, ThreadedFakeBinance

pytestmark = pytest.mark.e2e


@pytest.fixture
def fake_binance() -> Iterator[FakeBinance]:
    with ThreadedFakeBinance(FakeBinance()) as fake:
        yield fake


def _add_strategy(database_url: str, username: str = "dev", name: str = "EMA 10/20",
                  code: str = EMA_CROSS_EXAMPLE) -> None:
    engine = make_engine(database_url)
    with make_sessionmaker(engine).begin() as s:
        user_id = s.scalar(select(UserRow.id).where(UserRow.username == username))
        s.add(StrategyRow(user_id=user_id, name=name, code=code, timeframe="1h",
                          window_size=200))
    engine.dispose()


def test_backtest_run_chart_and_cancel(served_app: Any, new_page: Any,
                                       fake_binance: FakeBinance) -> None:
    app = served_app({"ARISTOBOT_EXCHANGE_URL_OVERRIDES": f"binance={fake_binance.url}"})
    _add_strategy(app.database_url)
    page = new_page()
    login(page, app.base_url, next_page="backtest")
    page.locator(".bt-strategy select").wait_for()
    assert "EMA 10/20" in page.locator(".bt-strategy select").inner_text()
    page.locator(".bt-run button").click()  # defaults: last 30 days of 1h candles, paper broker
    page.locator("#bt-message", has_text="Backtest terminé").wait_for(timeout=120_000)
    chart = page.locator(".bt-chart").first
    chart.wait_for()
    page.locator("#bt-lookahead", has_text="Chemin rapide vérifié").wait_for()
    page.locator(".bt-stats").locator("text=Solde initial").wait_for()
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None and box["height"] > 300  # the four linked panels are drawn
    screenshot(page, "backtest_result")
    page.locator("text=Trades").first.click()
    page.locator(".bt-trades").locator("text=Prix entrée").wait_for()
    # Deleting a past result asks first; « Annuler » keeps it, « Oui, supprimer » removes it.
    page.locator("text=Résultats passés").first.click()
    rows = page.locator(".bt-past .tabulator-row")
    rows.first.wait_for()
    assert rows.count() == 1
    rows.first.locator("input[type=checkbox]").click()
    page.locator(".bt-delete button").click()
    page.locator("#bt-delete-question", has_text="Supprimer définitivement").wait_for()
    screenshot(page, "backtest_delete_question")
    page.locator(".bt-cancel-delete button").click()
    page.locator("#bt-delete-question").wait_for(state="detached")
    assert rows.count() == 1
    page.locator(".bt-delete button").click()
    page.locator(".bt-confirm-delete button").click()
    page.locator("#bt-message", has_text="supprimé").wait_for()
    rows.first.wait_for(state="detached")
    # « Vérification complète »: the same run, every bar re-evaluated exactly in the worker.
    page.mouse.wheel(0, -3000)
    page.locator(".bt-verify-full button").click()
    page.locator("#bt-lookahead", has_text="Vérification complète : les").wait_for(
        timeout=120_000)
    screenshot(page, "backtest_verified_full")
    page.locator(".bt-timeframe select").select_option("1m")  # 43 200 candles: many pages
    page.locator(".bt-run button").click()
    cancel = page.locator(".bt-cancel-candles button")
    cancel.wait_for()
    cancel.click()
    page.locator("#bt-message", has_text="Interruption du chargement").wait_for(timeout=60_000)
    screenshot(page, "backtest_cancelled")


#: About 0.3 s of CPU per bar in « Exact » mode: minutes in all, so it holds its backtest slot
#: until the test interrupts it.
SLOW = EMA_CROSS_EXAMPLE.replace(
    "    def should_long(self) -> bool:\n",
    "    def should_long(self) -> bool:\n        total = 0\n"
    "        for i in range(3_000_000):\n            total += i\n", 1)


def test_second_backtest_waits_in_the_queue_with_its_position(
        served_app: Any, new_page: Any, fake_binance: FakeBinance) -> None:
    assert SLOW != EMA_CROSS_EXAMPLE
    app = served_app({"ARISTOBOT_EXCHANGE_URL_OVERRIDES": f"binance={fake_binance.url}"})
    _add_strategy(app.database_url)
    _add_strategy(app.database_url, name="Lente", code=SLOW)
    first = new_page()
    login(first, app.base_url, next_page="backtest")
    first.locator(".bt-strategy select").select_option(label="Lente")
    first.locator(".bt-mode button", has_text="Exact").click()
    first.locator(".bt-run button").click()
    first.locator("#bt-phase", has_text="Simulation").wait_for(timeout=120_000)
    # The same user in a second tab: this backtest waits for the first one, position shown.
    second = new_page()
    login(second, app.base_url, next_page="backtest")
    second.locator(".bt-strategy select").select_option(label="EMA 10/20")
    second.locator(".bt-run button").click()
    second.locator("#bt-phase", has_text="En file d'attente : position 1").wait_for(
        timeout=120_000)
    assert "votre backtest en cours doit d'abord se terminer" in \
        second.locator("#bt-phase").inner_text()
    screenshot(second, "backtest_queued")
    # « Interrompre le backtest » while queued: out of the queue; the first one still runs.
    second.locator(".bt-cancel button").click()
    second.locator("#bt-message", has_text="retiré de la file d'attente").wait_for()
    assert "Simulation" in first.locator("#bt-phase").inner_text()
    first.locator(".bt-cancel button").click()
    first.locator("#bt-message", has_text="Interruption du calcul").wait_for(timeout=60_000)
