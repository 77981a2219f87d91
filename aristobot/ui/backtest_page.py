"""« Backtest » page: wires widgets to :class:`BacktestVM` (no logic here)."""

from __future__ import annotations

import html
from typing import Any

import panel as pn

from aristobot.ui import messages as msg
from aristobot.ui import page_messages as lbl
from aristobot.ui.backtest_vm import BacktestVM
from aristobot.ui.feedback import feedback_html
from aristobot.ui.pages import PageContext
from aristobot.ui.tables import french_number, table_theme


def _feedback(message: str, error: str) -> str:
    return feedback_html(message, error, "bt")


def _lookahead(ok: bool | None, text: str) -> str:
    if not text:
        return ""
    cls = "ab-muted" if ok is None else ("ab-ok" if ok else "ab-danger")
    return f"<div class='{cls}' id='bt-lookahead'>{html.escape(text)}</div>"


def _decision_errors(text: str) -> str:
    if not text:
        return ""
    return f"<div class='ab-danger ab-card' id='bt-decision-errors'>{html.escape(text)}</div>"


def _button(label: str, css: str, handler: Any, color: str = "default") -> Any:
    b = pn.widgets.Button(label=label, color=color, css_classes=[css])
    b.on_click(handler)
    return b


def _chart_area(vm: BacktestVM) -> Any:
    empty = pn.pane.HTML(f"<div class='ab-muted'>{msg.BT_CHART_PLACEHOLDER}</div>")
    area = pn.Column(empty, sizing_mode="stretch_width")
    doc = pn.state.curdoc

    def show(layout: Any) -> None:
        area.objects = [empty if layout is None else
                        pn.Column(pn.pane.Bokeh(layout, sizing_mode="stretch_width"),
                                  css_classes=["bt-chart"], sizing_mode="stretch_width")]

    def on_chart(event: Any) -> None:
        # The chart arrives from the backtest task: swap Bokeh models under the document lock.
        if doc is None:
            show(event.new)
        else:
            doc.add_next_tick_callback(lambda layout=event.new: show(layout))

    vm.param.watch(on_chart, "chart")
    return area


def _selectors(vm: BacktestVM) -> Any:
    strategy = pn.widgets.Select.from_param(vm.param.strategy_id, label="Stratégie",
                                            options=vm.strategies, css_classes=["bt-strategy"])
    vm.param.watch(lambda e: setattr(strategy, "options", e.new), "strategies")
    broker = pn.widgets.Select.from_param(vm.param.broker_id, label="Broker",
                                          options=vm.brokers, css_classes=["bt-broker"])
    vm.param.watch(lambda e: setattr(broker, "options", e.new), "brokers")
    symbol = pn.widgets.AutocompleteInput.from_param(
        vm.param.symbol, label="Symbole", options=vm.symbols, restrict=False,
        case_sensitive=False, min_characters=1, css_classes=["bt-symbol"])
    vm.param.watch(lambda e: setattr(symbol, "options", e.new), "symbols")
    fields = pn.Column(
        strategy, broker, symbol,
        pn.widgets.Select.from_param(vm.param.timeframe, label=lbl.TIMEFRAME,
                                     css_classes=["bt-timeframe"]),
        pn.widgets.DatePicker.from_param(vm.param.start_date, label="Début",
                                         css_classes=["bt-start"]),
        pn.widgets.DatePicker.from_param(vm.param.end_date, label="Fin (incluse)",
                                         css_classes=["bt-end"]),
        pn.widgets.FloatInput.from_param(vm.param.initial_amount, label=lbl.INITIAL_AMOUNT,
                                         css_classes=["bt-amount"]),
        pn.widgets.FloatInput.from_param(vm.param.fee_pct, label="Frais par ordre (%)",
                                         step=0.01, css_classes=["bt-fee"]),
        pn.widgets.RadioButtonGroup.from_param(vm.param.mode, options=lbl.MODE_OPTIONS,
                                               css_classes=["bt-mode"]),
        sizing_mode="stretch_width",
    )
    for field in fields:  # each field as wide as the settings card
        field.param.update(width=None, sizing_mode="stretch_width")
    return fields


def _progress(vm: BacktestVM) -> Any:
    start = _button(lbl.RUN_BACKTEST, "bt-run", lambda e: pn.state.execute(vm.start),
                    "primary")
    start.disabled = vm.param.running
    stop_candles = _button(lbl.STOP_LOADING, "bt-cancel-candles",
                           lambda e: vm.cancel_candles(), "warning")
    stop_candles.visible = vm.param.loading_candles
    stop_run = _button(lbl.STOP_BACKTEST, "bt-cancel", lambda e: vm.cancel_run(),
                       "danger")
    stop_run.visible = vm.param.running
    return pn.Column(
        pn.Row(start, stop_candles, stop_run),
        pn.pane.HTML(pn.bind(lambda p: f"<b id='bt-phase'>{html.escape(p)}</b>", vm.param.phase)),
        pn.Row(pn.pane.HTML("Bougies", width=90),
               pn.indicators.Progress(value=pn.bind(int, vm.param.candles_pct), max=100,
                                      bar_color="info", css_classes=["bt-candles-progress"],
                                      sizing_mode="stretch_width"), sizing_mode="stretch_width"),
        pn.Row(pn.pane.HTML("Simulation", width=90),
               pn.indicators.Progress(value=pn.bind(int, vm.param.sim_pct), max=100,
                                      bar_color="success", css_classes=["bt-sim-progress"],
                                      sizing_mode="stretch_width"), sizing_mode="stretch_width"),
        pn.pane.HTML(pn.bind(_feedback, vm.param.message, vm.param.error),
                     sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
    )


def _past(vm: BacktestVM, theme: str) -> Any:
    table = pn.widgets.Tabulator.from_param(
        vm.param.past, theme=theme, show_index=False, disabled=True, selectable="checkbox",
        pagination="local", page_size=10, sizing_mode="stretch_width",
        css_classes=["bt-past"],
        formatters={c: french_number(2) for c in lbl.BACKTEST_PERCENT_COLUMNS})

    def chosen() -> list[int]:
        return [int(vm.past.iloc[i]["id"]) for i in table.selection if i < len(vm.past)]

    def reopen(_e: Any) -> None:
        ids = chosen()
        if ids:
            vm.reopen(ids[0])

    def delete(_e: Any) -> None:
        vm.request_delete(chosen())  # asks first: see the confirmation row below

    confirm = pn.Row(
        pn.pane.HTML(pn.bind(lambda ids: f"<div class='ab-danger' id='bt-delete-question'>"
                             f"{html.escape(vm.delete_prompt())}</div>" if ids else "",
                             vm.param.pending_delete)),
        _button("Oui, supprimer", "bt-confirm-delete", lambda e: vm.confirm_delete(), "danger"),
        _button("Annuler", "bt-cancel-delete", lambda e: vm.cancel_delete()),
        visible=pn.bind(bool, vm.param.pending_delete))

    compare_table = pn.widgets.Tabulator.from_param(
        vm.param.comparison, theme=theme, show_index=False, disabled=True,
        sizing_mode="stretch_width", css_classes=["bt-compare"])
    return pn.Column(
        pn.Row(_button("Rouvrir", "bt-reopen", reopen),
               _button("Comparer", "bt-compare-btn", lambda e: vm.compare(chosen())),
               _button("Supprimer", "bt-delete", delete, "danger")),
        confirm, table, compare_table, sizing_mode="stretch_width")


# Numeric columns of the trades table: French separators, prices and money to the cent.
_TRADE_FORMATS = {
    **{lbl.BACKTEST_TRADE_COLUMNS[k]: french_number(2)
       for k in ("entry_price", "exit_price", "fees", "pnl", "pnl_pct", "balance_after")},
    lbl.BACKTEST_TRADE_COLUMNS["quantity"]: french_number(8),
}


def build(ctx: PageContext) -> Any:
    vm = BacktestVM(ctx.runtime, ctx.user.id, timezone=ctx.timezone, theme=ctx.theme)
    theme = table_theme(ctx.theme)
    pn.state.on_session_destroyed(lambda _ctx, vm=vm: vm.close())

    exact = _button(lbl.RERUN_EXACT, "bt-rerun-exact",
                    lambda e: pn.state.execute(vm.rerun_exact), "warning")
    exact.visible = pn.bind(lambda ok: ok is False, vm.param.lookahead_ok)
    full = _button(lbl.VERIFY_FULL, "bt-verify-full",
                   lambda e: pn.state.execute(vm.verify_full))
    full.visible = pn.bind(lambda text, running: bool(text) and not running
                           and not text.startswith(lbl.ALREADY_VERIFIED),
                           vm.param.lookahead_text, vm.param.running)
    lookahead = pn.Row(pn.pane.HTML(pn.bind(_lookahead, vm.param.lookahead_ok,
                                            vm.param.lookahead_text),
                                    sizing_mode="stretch_width"), exact, full,
                       sizing_mode="stretch_width")
    stats = pn.widgets.Tabulator.from_param(vm.param.stats, theme=theme, show_index=False,
                                            disabled=True, css_classes=["bt-stats"], width=400,
                                            layout="fit_columns", height=620)
    trades = pn.widgets.Tabulator.from_param(vm.param.trades, theme=theme, show_index=False,
                                             disabled=True, pagination="local", page_size=15,
                                             sizing_mode="stretch_width",
                                             css_classes=["bt-trades"],
                                             formatters=_TRADE_FORMATS)
    results = pn.Tabs(
        ("Graphique", _chart_area(vm)),
        ("Trades", trades),
        (lbl.PAST_RESULTS, _past(vm, theme)),
        sizing_mode="stretch_width", dynamic=False,
    )
    manage = pn.Card(_strategies_editor(ctx), title=lbl.MANAGE_STRATEGIES, collapsed=True,
                     sizing_mode="stretch_width", css_classes=["bt-manage"])
    manage.param.watch(lambda e: vm.refresh() if e.new else None, "collapsed")
    # Settings and statistics on the left, the run and its chart on the right: the chart
    # starts above the fold at every width from 1024 px.
    page = pn.Column(
        pn.pane.Markdown("## Backtest"),
        pn.Row(pn.Column(pn.Column(_selectors(vm), css_classes=["ab-card"],
                                   sizing_mode="stretch_width"), stats, width=320),
               pn.Column(pn.Column(_progress(vm), lookahead,
                                   pn.pane.HTML(pn.bind(_decision_errors,
                                                        vm.param.decision_errors),
                                                sizing_mode="stretch_width"),
                                   css_classes=["ab-card"], sizing_mode="stretch_width"),
                         results, sizing_mode="stretch_width", min_width=400),
               sizing_mode="stretch_width"),
        manage,
        sizing_mode="stretch_width",
    )
    from aristobot.ui.optimisation_page import with_modes

    return with_modes(page, ctx)  # « Backtest » | « Optimisation »


def _strategies_editor(ctx: PageContext) -> Any:
    # The strategies page's own components: select, create, edit and delete from here.
    from aristobot.ui import strategies_page

    return strategies_page.build(ctx)
