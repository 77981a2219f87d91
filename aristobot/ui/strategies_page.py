"""« Stratégies » page: wires widgets to :class:`StrategiesVM` (no logic here)."""

from __future__ import annotations

import html
from typing import Any

import panel as pn

from aristobot.strategies.repository import WINDOW_MAX, WINDOW_MIN
from aristobot.ui import messages as msg
from aristobot.ui import page_messages as lbl
from aristobot.ui.pages import PageContext
from aristobot.ui.strategies_guard import LeaveGuard
from aristobot.ui.strategies_vm import StrategiesVM


def _feedback(message: str, error: str, dirty: bool) -> str:
    parts = []
    if dirty:
        parts.append(msg.UNSAVED_MARK)
    if error:
        parts.append(f"<div class='ab-danger' id='strat-error'>{html.escape(error)}</div>")
    elif message:
        parts.append(f"<div class='ab-ok' id='strat-message'>{html.escape(message)}</div>")
    return "".join(parts)


def _report(text: str, has_issues: bool) -> str:
    if not text:
        return f"<div class='ab-muted' id='strat-report'>{msg.REPORT_PLACEHOLDER}</div>"
    css = "ab-danger" if has_issues else "ab-ok"
    return (f"<pre class='{css}' id='strat-report' style='white-space:pre-wrap'>"
            f"{html.escape(text)}</pre>")


def _button(label: str, css: str, handler: Any, **kw: Any) -> pn.widgets.Button:
    button = pn.widgets.Button(label=label, css_classes=[css], **kw)
    button.on_click(handler)
    return button


def build(ctx: PageContext) -> Any:
    vm = StrategiesVM(ctx.runtime, ctx.user.id)
    editor_theme = "monokai" if ctx.theme == "dark" else "chrome"

    listing = pn.widgets.Select(label=lbl.MY_STRATEGIES, options=vm.options, value=vm.selected_id,
                                size=12, css_classes=["strat-list"], width=260)

    def _on_pick(event: Any) -> None:
        if not vm.select(event.new):
            listing.value = vm.selected_id

    listing.param.watch(_on_pick, "value")
    vm.param.watch(lambda e: setattr(listing, "options", e.new), "options")
    vm.param.watch(lambda e: setattr(listing, "value", e.new), "selected_id")

    name = pn.widgets.TextInput.from_param(vm.param.strategy_name, label="Nom", width=260,
                                           css_classes=["strat-name"])
    async def _create(event: Any) -> None:
        await vm.create()

    timeframe = pn.widgets.Select.from_param(vm.param.timeframe, label=lbl.TIMEFRAME,
                                             width=120, css_classes=["strat-timeframe"])
    window = pn.widgets.IntInput.from_param(
        vm.param.window_size, label=f"Bougies N ({WINDOW_MIN}–{WINDOW_MAX})", width=140,
        start=WINDOW_MIN, end=WINDOW_MAX, step=10, css_classes=["strat-window"])
    crud = pn.Column(
        pn.Row(_button("Nouvelle", "strat-new", _create, color="primary"),
               _button("Renommer", "strat-rename", lambda e: vm.rename())),
        pn.Row(_button("Dupliquer", "strat-duplicate", lambda e: vm.duplicate()),
               _button("Supprimer", "strat-delete", lambda e: vm.request_delete(),
                       color="danger")),
    )
    confirm = pn.Column(
        pn.pane.HTML(pn.bind(lambda n: msg.CONFIRM_STRATEGY_DELETE.format(name=html.escape(n)),
                             vm.param.strategy_name)),
        pn.Row(_button("Oui, supprimer", "strat-confirm-delete", lambda e: vm.confirm_delete(),
                       color="danger"),
               _button("Annuler", "strat-cancel-delete", lambda e: vm.cancel_delete())),
        visible=vm.param.pending_delete,
    )

    editor = pn.widgets.CodeEditor(value=vm.code, language="python", theme=editor_theme,
                                   height=560, on_keyup=True, css_classes=["strat-editor"],
                                   sizing_mode="stretch_width", min_width=420)
    editor.link(vm, value="code", bidirectional=True)
    vm.param.watch(lambda e: setattr(editor, "annotations", e.new), "issues")

    async def _test(event: Any) -> None:
        await vm.test_syntax()

    async def _save(event: Any) -> None:
        await vm.save()

    tools = pn.Row(
        _button(lbl.TEST_SYNTAX, "strat-test", _test),
        _button("Enregistrer", "strat-save", _save, color="success"),
        pn.indicators.LoadingSpinner(value=vm.param.busy, size=24, visible=vm.param.busy),
        pn.pane.HTML(pn.bind(_feedback, vm.param.message, vm.param.error, vm.param.dirty),
                     sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
    )
    report = pn.pane.HTML(pn.bind(lambda t, i: _report(t, bool(i)), vm.param.report,
                                  vm.param.issues), sizing_mode="stretch_width",
                          css_classes=["ab-card", "ab-report"], styles={"max-height": "180px",
                                                                      "overflow-y": "auto"})

    return pn.Column(
        pn.pane.Markdown(lbl.STRATEGIES_TITLE),
        pn.Row(
            pn.Column(listing, name, crud, confirm, pn.Row(timeframe, window), width=290),
            # The report sits above the editor: on screen at every width, editor full width.
            pn.Column(tools, report, editor, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        ),
        _assistant(vm, editor_theme),
        LeaveGuard(dirty=vm.param.dirty, height=0, width=0, margin=0),
        sizing_mode="stretch_width",
    )


def _assistant(vm: StrategiesVM, editor_theme: str) -> Any:
    description = pn.widgets.TextAreaInput.from_param(
        vm.param.ai_description, label=lbl.AI_DESCRIPTION,
        placeholder=lbl.AI_DESCRIPTION_EXAMPLE,
        height=90, css_classes=["ai-description"], sizing_mode="stretch_width")

    async def _generate(event: Any) -> None:
        await vm.generate()

    generate = _button(lbl.GENERATE_CODE, "ai-generate", _generate, color="primary")
    generate.disabled = not vm.ai_enabled
    suggestion = pn.widgets.CodeEditor(value="", language="python", theme=editor_theme,
                                       readonly=True, height=300, css_classes=["ai-suggestion"],
                                       sizing_mode="stretch_width")
    vm.param.watch(lambda e: setattr(suggestion, "value", e.new), "ai_suggestion")
    insert = _button(lbl.INSERT_CODE, "ai-insert", lambda e: vm.insert_suggestion())
    status = pn.pane.HTML(pn.bind(
        lambda busy, err, label: (
            msg.AI_GENERATING if busy else
            f"<div class='ab-danger' id='ai-error'>{html.escape(err)}</div>" if err else
            msg.AI_PROVIDER.format(label=html.escape(label))),
        vm.param.ai_busy, vm.param.ai_error, vm.param.ai_label), sizing_mode="stretch_width")
    return pn.Column(
        pn.pane.Markdown("### Assistant IA"),
        description,
        pn.Row(generate, pn.indicators.LoadingSpinner(value=vm.param.ai_busy, size=24,
                                                      visible=vm.param.ai_busy), status),
        pn.Column(suggestion, insert, visible=pn.bind(bool, vm.param.ai_suggestion)),
        css_classes=["ab-card"],
        sizing_mode="stretch_width",
    )
