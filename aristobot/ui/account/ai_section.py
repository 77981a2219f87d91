"""« Mon Compte » → Assistant IA: wires widgets to :class:`AISectionVM` (no logic here)."""

from __future__ import annotations

import html
from typing import Any

import panel as pn

from aristobot.ui import page_messages as lbl
from aristobot.ui.account.ai_vm import AISectionVM
from aristobot.ui.feedback import feedback_html
from aristobot.ui.pages import PageContext


def _feedback(message: str, error: str) -> str:
    return feedback_html(message, error, "ai-config")


def build(ctx: PageContext) -> Any:
    vm = AISectionVM(ctx.runtime, ctx.user.id)
    openrouter = pn.widgets.Switch.from_param(vm.param.openrouter_on, css_classes=["ai-or-on"])
    ollama = pn.widgets.Switch.from_param(vm.param.ollama_on, css_classes=["ai-ollama-on"])
    key = pn.widgets.PasswordInput.from_param(vm.param.api_key, label=lbl.AI_KEY,
                                              placeholder="sk-or-…", css_classes=["ai-key"],
                                              width=320)
    save_key = pn.widgets.Button(label=lbl.AI_SAVE_KEY, css_classes=["ai-save-key"])
    save_key.on_click(lambda e: vm.save_key())
    url = pn.widgets.TextInput.from_param(vm.param.ollama_url, label="URL Ollama", width=320,
                                          css_classes=["ai-url"])
    save_url = pn.widgets.Button(label="Enregistrer l'URL", css_classes=["ai-save-url"])
    save_url.on_click(lambda e: vm.save_url())
    model = pn.widgets.Select(label="Modèle", options=vm.models, value=vm.model or None,
                              css_classes=["ai-model"], width=320)
    vm.param.watch(lambda e: setattr(model, "options", e.new), "models")
    model.param.watch(lambda e: e.new and e.new != vm.model and vm.choose_model(e.new),
                      "value")

    async def _load(event: Any) -> None:
        await vm.load_models()

    load = pn.widgets.Button(label=lbl.AI_LOAD_MODELS, css_classes=["ai-load"])
    load.on_click(_load)
    return pn.Column(
        pn.pane.Markdown("### Assistant IA"),
        pn.Row(openrouter, pn.pane.HTML("<b>OpenRouter</b>")),
        pn.Row(key, save_key),
        pn.pane.HTML(pn.bind(lambda s: f"<span class='ab-muted'>{html.escape(s)}</span>",
                             vm.param.key_status)),
        pn.Row(ollama, pn.pane.HTML("<b>Ollama</b>")),
        pn.Row(url, save_url),
        pn.Row(model, load),
        pn.pane.HTML(pn.bind(_feedback, vm.param.message, vm.param.error),
                     sizing_mode="stretch_width"),
        pn.pane.HTML(lbl.AI_SWITCHES_HINT),
        css_classes=["ab-card"],
        sizing_mode="stretch_width",
    )
