"""« Stratégies » in a real browser: create, see a syntax error beside the code, fix, save,
generate code with the (fake) AI assistant and insert it, set N candles and the timeframe, and
be warned before leaving the page with unsaved edits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from aristobot.strategies.template import TEMPLATE
from tests.e2e.conftest import login, screenshot
from tests.support.fake_ai import FakeAI, serve_fake_ai

pytestmark = pytest.mark.e2e


@pytest.fixture
def fake_ai() -> Iterator[FakeAI]:
    with serve_fake_ai() as fake:
        yield fake


def _editor_value(page: Any, css: str) -> str:
    return str(page.locator(f"{css} .ace_editor").evaluate("el => el.env.editor.getValue()"))


def _set_editor(page: Any, value: str) -> None:
    editor = page.locator(".strat-editor .ace_editor")
    editor.evaluate("(el, v) => el.env.editor.setValue(v, 1)", value)
    editor.click()
    page.keyboard.press("End")  # a real key press: the widget syncs on key up


def test_create_fix_save_and_generate(served_app: Any, new_page: Any, fake_ai: FakeAI) -> None:
    app = served_app()
    engine = create_engine(app.database_url)
    with engine.begin() as c:  # what « Mon Compte » stores: Ollama ON, the fake's URL, a model
        c.execute(text("UPDATE users SET ai_provider='ollama', ai_url=:u, ai_model=:m "
                       "WHERE username='dev'"), {"u": fake_ai.base_url, "m": "fake/coder-small"})
    engine.dispose()

    page = new_page()
    login(page, app.base_url, next_page="strategies")
    page.locator(".strat-name input").fill("Ma stratégie EMA")
    page.locator(".strat-name input").press("Enter")
    page.locator(".strat-new button").click()
    page.locator("#strat-message", has_text="Stratégie créée").wait_for()
    assert _editor_value(page, ".strat-editor") == TEMPLATE

    broken = TEMPLATE.replace("return False", "return False)", 1)
    _set_editor(page, broken)
    page.locator("#strat-dirty").wait_for()
    page.locator(".strat-test button").click()
    line = broken.splitlines().index("        return False)") + 1
    page.locator("#strat-report", has_text=f"Ligne {line}").wait_for()
    page.locator(".strat-editor .ace_gutter-cell.ace_error").wait_for()
    screenshot(page, "strategies_syntax_error")

    _set_editor(page, TEMPLATE)
    page.locator(".strat-save button").click()
    page.locator("#strat-message", has_text="Stratégie enregistrée.").wait_for()
    page.locator("#strat-dirty").wait_for(state="detached")

    page.locator(".ai-description textarea").fill("Croisement EMA 10/20, stop 2 %, TP 4 %")
    page.locator(".ai-description textarea").press("Tab")
    page.locator(".ai-generate button").click()
    page.locator(".ai-insert button").wait_for()
    assert "ta.ema" in _editor_value(page, ".ai-suggestion")
    page.locator(".ai-insert button").click()
    page.locator("#strat-message", has_text="Code de l'assistant inséré").wait_for()
    assert "ta.ema" in _editor_value(page, ".strat-editor")
    page.locator("#strat-dirty").wait_for()
    page.locator(".strat-save button").click()
    page.locator("#strat-dirty").wait_for(state="detached")
    page.locator("#strat-message", has_text="Stratégie enregistrée.").wait_for()
    screenshot(page, "strategies_ai_inserted")
    assert fake_ai.requests and fake_ai.requests[-1]["path"] == "/api/chat"

    # N candles and timeframe (the library's range check is covered by the view-model test;
    # the widget itself keeps N within 30..5000).
    window = page.locator(".strat-window input")
    window.fill("250")
    window.press("Enter")
    page.locator(".strat-timeframe select").select_option("15m")
    # The previous save's identical message is still shown: wait on the unsaved marker instead,
    # which goes only once this save has been stored.
    page.locator("#strat-dirty").wait_for()
    page.locator(".strat-save button").click()
    page.locator("#strat-dirty").wait_for(state="detached")
    page.locator("#strat-message", has_text="Stratégie enregistrée.").wait_for()
    screenshot(page, "strategies_settings_saved")
    engine = create_engine(app.database_url)
    with engine.connect() as c:
        row = c.execute(text("SELECT window_size, timeframe FROM strategies WHERE name = :n"),
                        {"n": "Ma stratégie EMA"}).one()
    engine.dispose()
    assert tuple(row) == (250, "15m")

    # Leaving the page: no warning once saved, the browser's warning while edits are unsaved.
    page.locator(".strat-leave-guard[data-dirty='false']").wait_for(state="attached")
    _set_editor(page, TEMPLATE + "# modifié\n")
    page.locator(".strat-leave-guard[data-dirty='true']").wait_for(state="attached")
    with page.expect_event("dialog") as dialog_info:
        page.close(run_before_unload=True)
    dialog = dialog_info.value
    assert dialog.type == "beforeunload"
    dialog.dismiss()  # stay: the edits are still there
    assert "# modifié" in _editor_value(page, ".strat-editor")
