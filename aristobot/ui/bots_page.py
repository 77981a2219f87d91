"""« Trading BOT » page: wires widgets to :class:`BotsVM` (no logic here)."""

from __future__ import annotations

from html import escape
from typing import Any

import panel as pn

from aristobot.ui import page_messages as lbl
from aristobot.ui.bots_vm import BotsVM
from aristobot.ui.feedback import feedback_html
from aristobot.ui.pages import PageContext
from aristobot.ui.tables import numbers_right, table_theme


def _feedback(message: str, error: str) -> str:
    return feedback_html(message, error, "bots")


def _detail(text: str) -> str:
    return f"<div id='bots-detail'>{escape(text)}</div>" if text else ""


def _summary(text: str) -> str:
    return f"<div id='bots-replay-summary' class='ab-accent'>{escape(text)}</div>" if text else ""


def _button(label: str, css: str, color: str = "primary") -> Any:
    return pn.widgets.Button(label=label, color=color, css_classes=[css])


def _form(vm: BotsVM) -> Any:
    strategy = pn.widgets.Select(label="Stratégie", options=vm.strategy_names,
                                 value=vm.strategy_id, css_classes=["bots-strategy"], width=240)
    strategy.link(vm, value="strategy_id")
    broker = pn.widgets.Select(label="Broker", options=vm.broker_names, value=vm.broker_id,
                               css_classes=["bots-broker"], width=240)
    broker.link(vm, value="broker_id")
    symbol = pn.widgets.TextInput.from_param(vm.param.symbol, label="Symbole",
                                             css_classes=["bots-symbol"], width=140)
    tf = pn.widgets.Select.from_param(vm.param.timeframe, label=lbl.TIMEFRAME,
                                      css_classes=["bots-timeframe"], width=120)
    start = pn.widgets.TextInput.from_param(vm.param.start, label=lbl.BOT_START,
                                            css_classes=["bots-start"], width=170)
    end = pn.widgets.TextInput.from_param(vm.param.end, label=lbl.BOT_END,
                                          css_classes=["bots-end"], width=170)
    activate = _button("Activer", "bots-activate", "success")
    activate.on_click(lambda e: vm.activate())
    return pn.Column(pn.pane.HTML(lbl.ACTIVATE_TITLE),
                     pn.FlexBox(strategy, broker, symbol, tf, start, end, activate,
                                align_items="flex-end"),
                     css_classes=["ab-card"], sizing_mode="stretch_width")


def _actions(vm: BotsVM) -> Any:
    chosen = pn.widgets.Select(label=lbl.ACTIVE_STRATEGY, options=vm.bot_names,
                               value=vm.selected, css_classes=["bots-selected"], width=420)
    chosen.link(vm, value="selected")
    vm.param.watch(lambda e: setattr(chosen, "options", vm.bot_names), "bots")
    vm.param.watch(lambda e: setattr(chosen, "value", e.new), "selected")
    suspend, resume = _button("Suspendre", "bots-suspend"), _button("Reprendre", "bots-resume")
    sell, stop = _button("Vendre", "bots-sell", "warning"), _button("Stop", "bots-stop", "danger")
    suspend.on_click(lambda e: vm.suspend())
    resume.on_click(lambda e: vm.resume())
    stop.on_click(lambda e: vm.stop())

    async def _sell(event: Any) -> None:
        await vm.sell()

    sell.on_click(_sell)
    confirm = _button(lbl.CONFIRM_STOP, "bots-confirm-stop", "danger")
    cancel = _button("Annuler", "bots-cancel-stop", "default")
    confirm.on_click(lambda e: vm.confirm())
    cancel.on_click(lambda e: vm.cancel_stop())
    dialog = pn.Column(pn.pane.HTML(pn.bind(lambda t: f"<div id='bots-confirm-text' "
                                            f"class='ab-danger'>{escape(t)}</div>",
                                            vm.param.confirm_stop)),
                       pn.Row(confirm, cancel), css_classes=["ab-card", "bots-confirm"],
                       visible=pn.bind(bool, vm.param.confirm_stop))
    return pn.Column(pn.FlexBox(chosen, suspend, resume, sell, stop, align_items="flex-end"),
                     dialog,
                     pn.pane.HTML(pn.bind(_detail, vm.param.detail),
                                  sizing_mode="stretch_width"))


def _replay(vm: BotsVM, table: dict[str, Any]) -> Any:
    start = pn.widgets.TextInput.from_param(vm.param.replay_start, label=lbl.REPLAY_FROM,
                                            css_classes=["bots-replay-start"], width=170)
    end = pn.widgets.TextInput.from_param(vm.param.replay_end, label=lbl.REPLAY_TO,
                                          css_classes=["bots-replay-end"], width=170)
    run = _button("Rejouer", "bots-replay")

    async def _run(event: Any) -> None:
        await vm.run_replay()

    run.on_click(_run)
    report = pn.widgets.Tabulator.from_param(vm.param.replay_table, pagination="local",
                                             page_size=15, css_classes=["bots-replay-table"],
                                             **table)
    return pn.Column(pn.pane.HTML(lbl.REPLAY_TITLE),
                     pn.FlexBox(start, end, run, align_items="flex-end"),
                     pn.pane.HTML(pn.bind(_summary, vm.param.replay_summary)),
                     report, css_classes=["ab-card"], sizing_mode="stretch_width")


def build(ctx: PageContext) -> Any:
    vm = BotsVM(ctx.runtime, ctx.user.id, ctx.timezone)
    theme = table_theme(ctx.theme)
    table = dict(theme=theme, show_index=False, disabled=True, sizing_mode="stretch_width")
    bots = pn.widgets.Tabulator.from_param(vm.param.bots, css_classes=["bots-list"], **table)
    trades = pn.widgets.Tabulator.from_param(
        vm.param.trades, css_classes=["bots-trades"],
        text_align=numbers_right(lbl.BOT_NUMBER_COLUMNS), **table)
    refresh = _button("Rafraîchir", "bots-refresh", "default")
    refresh.on_click(lambda e: vm.refresh())
    if pn.state.curdoc is not None:
        pn.state.onload(lambda: pn.state.add_periodic_callback(vm.refresh, period=10_000))
    return pn.Column(
        pn.pane.Markdown("## Trading BOT"),
        _form(vm),
        pn.Column(pn.Row(pn.pane.HTML(lbl.MY_BOTS_TITLE),
                         refresh, pn.indicators.LoadingSpinner(value=vm.param.busy, size=24,
                                                               visible=vm.param.busy)),
                  bots, _actions(vm),
                  pn.pane.HTML(pn.bind(_feedback, vm.param.message, vm.param.error),
                               sizing_mode="stretch_width"),
                  pn.pane.HTML("<h4>10 derniers trades</h4>"), trades,
                  css_classes=["ab-card"], sizing_mode="stretch_width"),
        _replay(vm, table),
        sizing_mode="stretch_width",
    )
