"""The « Stratégies » view-model without a browser: CRUD, unsaved changes, test, save, AI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from aristobot.runtime import Runtime, build_runtime
from aristobot.strategies.ai import set_ai_config
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE
from aristobot.strategies.template import TEMPLATE
from aristobot.ui.strategies_vm import StrategiesVM
from tests.support.factories import make_settings, make_user
from tests.support.fake_ai import serve_fake_ai


@pytest_asyncio.fixture
async def runtime(tmp_path: Path, sqlite_url: str) -> AsyncIterator[Runtime]:
    rt = build_runtime(make_settings(tmp_path / "var", sqlite_url, strategy_workers=1))
    yield rt
    await rt.aclose()


async def test_crud_unsaved_changes_and_save(runtime: Runtime) -> None:
    user = make_user(runtime.sessions)
    vm = StrategiesVM(runtime, user.id)
    assert vm.options == {} and vm.selected_id is None
    vm.strategy_name = "Croisement EMA"
    assert vm.create() and vm.code == TEMPLATE and not vm.dirty
    first = vm.selected_id
    vm.strategy_name = "Autre"
    assert vm.create()
    vm.code = TEMPLATE.replace("return False", "return False)", 1)
    assert vm.dirty
    assert not vm.select(first)  # unsaved: warned once
    assert "non enregistrées" in vm.error
    assert not await vm.save()  # refused: syntax error, beside the code
    assert vm.error.startswith("Non enregistré") and vm.issues[0]["type"] == "error"
    line = vm.code.splitlines().index("        return False)") + 1
    assert vm.issues[0]["row"] == line - 1 and f"Ligne {line}" in vm.report
    vm.code = EMA_CROSS_EXAMPLE
    assert await vm.save() and vm.message == "Stratégie enregistrée." and not vm.dirty
    assert "should_long" in vm.report
    assert vm.select(first) and vm.code == TEMPLATE
    assert vm.duplicate() and vm.strategy_name == "Croisement EMA (copie)"
    vm.request_delete()
    assert vm.pending_delete
    assert vm.confirm_delete() and "Croisement EMA (copie)" not in vm.options


async def test_assistant_generates_validated_code(runtime: Runtime) -> None:
    user = make_user(runtime.sessions)
    with serve_fake_ai() as fake:
        with runtime.sessions.begin() as s:
            set_ai_config(s, runtime.vault, user.id, provider="ollama",
                          ollama_url=fake.base_url, model="fake/coder-small")
        vm = StrategiesVM(runtime, user.id)
        assert vm.ai_enabled and vm.ai_label == "Ollama — fake/coder-small"
        vm.strategy_name = "IA"
        vm.create()
        vm.ai_description = "Croisement EMA 10/20"
        assert await vm.generate()
        assert "ta.ema" in vm.ai_suggestion and vm.code == TEMPLATE  # offered, not inserted
        vm.insert_suggestion()
        assert vm.code == vm.ai_suggestion and vm.dirty
        fake.fail_status = 500
        assert not await vm.generate()
        assert vm.ai_error == "Assistant IA : Ollama a répondu 500 : fake failure"


async def test_assistant_off(runtime: Runtime) -> None:
    user = make_user(runtime.sessions)
    vm = StrategiesVM(runtime, user.id)
    assert not vm.ai_enabled
    vm.ai_description = "x"
    assert not await vm.generate() and "désactivé" in vm.ai_error


def test_page_builds(tmp_path: Path, sqlite_url: str) -> None:
    import panel as pn
    from bokeh.document import Document

    from aristobot.ui.pages import PageContext
    from aristobot.ui.strategies_page import build

    rt = build_runtime(make_settings(tmp_path / "var", sqlite_url))
    user = make_user(rt.sessions)
    page = build(PageContext(rt, user, "dark", "UTC"))
    assert isinstance(page, pn.Column)
    page.get_root(Document())
    rt.engine.dispose()


async def test_ai_section_exclusive_switches_and_models(runtime: Runtime) -> None:
    from aristobot.ui.account.ai_vm import AISectionVM

    user = make_user(runtime.sessions)
    with serve_fake_ai() as fake:
        vm = AISectionVM(runtime, user.id)
        assert vm.ollama_url == "http://localhost:11434" and vm.provider is None
        vm.openrouter_on = True  # no key yet: refused, switch back off
        assert not vm.openrouter_on and "clé API OpenRouter" in vm.error
        vm.api_key = fake.api_key
        assert vm.save_key() and vm.api_key == "" and "masquée" in vm.key_status
        vm.openrouter_on = True
        assert vm.provider == "openrouter"
        with runtime.sessions.begin() as s:  # the fake stands in for openrouter.ai
            from aristobot.db.models import UserRow

            row = s.get(UserRow, user.id)
            assert row is not None and fake.api_key not in (row.ai_api_key or "")
        vm.ollama_url = fake.base_url
        assert vm.save_url()
        vm.ollama_on = True
        assert vm.provider == "ollama" and not vm.openrouter_on  # exclusive
        assert await vm.load_models() and vm.models == ["fake/coder-large", "fake/coder-small"]
        assert vm.choose_model("fake/coder-small")
        vm.ollama_on = False
        assert vm.provider is None
        fake.delay_s = 1.0
        vm.ollama_on = True
        with runtime.sessions.begin() as s:
            row = s.get(UserRow, user.id)
            assert row is not None
            row.ai_url = "http://127.0.0.1:9"
        assert not await vm.load_models() and "connexion impossible à Ollama" in vm.error
