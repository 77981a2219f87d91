"""« Optimisation » mode of « Backtest »: wires widgets to :class:`OptimisationVM` (no logic)."""

from __future__ import annotations

import html
from functools import partial
from typing import Any

import panel as pn

from aristobot.sweeps import records
from aristobot.sweeps.records import display_frame
from aristobot.ui import optimisation_messages as text
from aristobot.ui.feedback import feedback_html
from aristobot.ui.optimisation_vm import ANALYSES, TIMEFRAMES, WALK_WINDOWS, OptimisationVM
from aristobot.ui.pages import PageContext


def with_modes(backtest: Any, ctx: PageContext) -> Any:
    """Return the « Backtest » page with its two modes: single backtest and optimisation."""
    return pn.Tabs((text.MODES[0], backtest), (text.MODES[1], build(ctx)),
                   sizing_mode="stretch_width", css_classes=["bt-modes"])


def _button(label: str, css: str, handler: Any, color: str = "default") -> Any:
    b = pn.widgets.Button(label=label, color=color, css_classes=[css])
    b.on_click(handler)
    return b


def _on_doc(doc: Any, fn: Any) -> None:
    # Bokeh models are swapped from the sweep's task: under the document lock.
    if doc is None:
        fn()
    else:
        doc.add_next_tick_callback(fn)


def _form(vm: OptimisationVM, theme: str) -> Any:
    strategy = pn.widgets.Select.from_param(vm.param.strategy_id, label=text.STRATEGY,
                                            options=vm.strategies, css_classes=["opt-strategy"])
    vm.param.watch(lambda e: setattr(strategy, "options", e.new), "strategies")
    broker = pn.widgets.Select.from_param(vm.param.broker_id, label=text.BROKER,
                                          options=vm.brokers, css_classes=["opt-broker"])
    vm.param.watch(lambda e: setattr(broker, "options", e.new), "brokers")
    ranges = pn.widgets.Tabulator.from_param(
        vm.param.ranges, theme=theme, show_index=False, css_classes=["opt-ranges"],
        editors=dict.fromkeys(records.RANGE_COLUMNS[:2]), layout="fit_columns",
        sizing_mode="stretch_width")
    objective = pn.widgets.Select(label=text.OBJECTIVE, options=vm.objective_labels,
                                  value=vm.objective, css_classes=["opt-objective"])
    objective.link(vm, value="objective")
    vm.param.watch(lambda e: setattr(objective, "value", e.new), "objective")
    return pn.Column(
        strategy,
        broker,
        pn.widgets.TextInput.from_param(vm.param.symbol, label=text.SYMBOL,
                                        css_classes=["opt-symbol"]),
        pn.widgets.Select.from_param(vm.param.timeframe, label=text.TIMEFRAME, options=TIMEFRAMES,
                                     css_classes=["opt-timeframe"]),
        pn.Row(pn.widgets.DatePicker.from_param(vm.param.start_date, label=text.START, width=140),
               pn.widgets.DatePicker.from_param(vm.param.end_date, label=text.END,
                                                width=140)),
        pn.Row(pn.widgets.FloatInput.from_param(vm.param.initial_amount,
                                                label=text.AMOUNT, width=140),
               pn.widgets.FloatInput.from_param(vm.param.fee_pct, label=text.FEES, step=0.01,
                                                width=140)),
        pn.pane.HTML(text.RANGES_HINT),
        ranges,
        pn.widgets.TextInput.from_param(vm.param.constraints, label=text.CONSTRAINTS,
                                        placeholder=text.CONSTRAINTS_EXAMPLE,
                                        css_classes=["opt-constraints"]),
        objective,
        pn.widgets.RadioButtonGroup.from_param(vm.param.method,
                                               options=text.METHODS,
                                               css_classes=["opt-method"]),
        pn.Row(pn.widgets.IntInput.from_param(vm.param.random_runs, label=text.RANDOM_RUNS,
                                              width=140),
               pn.widgets.IntInput.from_param(vm.param.cap, label=text.CAP, width=140,
                                              css_classes=["opt-cap"])),
        _walk_form(vm),
        width=360,
    )


def _walk_form(vm: OptimisationVM) -> Any:
    """Plain sweep or walk-forward, and the walk-forward's windows (shown when chosen)."""
    settings = pn.Column(
        pn.widgets.RadioButtonGroup.from_param(vm.param.wf_windows, options=WALK_WINDOWS,
                                               css_classes=["opt-wf-windows"]),
        pn.Row(pn.widgets.IntInput.from_param(vm.param.wf_splits, label=text.WALK_SPLITS, width=140,
                                              css_classes=["opt-wf-splits"]),
               pn.widgets.FloatInput.from_param(vm.param.wf_in_sample_pct,
                                                label=text.WALK_IN_SAMPLE, width=140,
                                                css_classes=["opt-wf-is"])),
        pn.pane.HTML(text.WALK_FORM_HINT),
        visible=pn.bind(lambda a: a == "walk_forward", vm.param.analysis))
    return pn.Column(
        pn.pane.HTML(text.ANALYSIS),
        pn.widgets.RadioButtonGroup.from_param(vm.param.analysis, options=ANALYSES,
                                               css_classes=["opt-analysis"]),
        settings)


def count_html(done: int, total: int, unit: str) -> str:
    """The progress count, naming what it counts (backtests, or judged windows)."""
    said = text.COUNT.format(done=done, total=total, unit=unit)
    return f"<span id='opt-count'>{html.escape(said)}</span>"


def verdict_html(said: str, flagged: bool) -> str:
    """The verdict box: a title, then the verdict's text (which says « Verdict : » itself)."""
    if not said:
        return ""
    return (f"<div class='ab-card {'ab-danger' if flagged else ''}' id='opt-verdict'>"
            f"<b>{html.escape(text.VERDICT_TITLE)}</b><br>{html.escape(said)}</div>")


def _progress(vm: OptimisationVM) -> Any:
    run = _button(text.RUN, "opt-run", lambda e: pn.state.execute(vm.start),
                  "primary")
    run.disabled = vm.param.running
    cancel = _button(text.CANCEL, "opt-cancel", lambda e: vm.cancel(), "danger")
    cancel.visible = vm.param.running
    count = pn.bind(count_html, vm.param.done_runs, vm.param.total_runs, vm.param.count_unit)
    verdict = pn.bind(verdict_html, vm.param.verdict, vm.param.flagged)
    return pn.Column(
        pn.Row(run, cancel),
        pn.Row(pn.indicators.Progress(value=vm.param.done_runs, max=vm.param.total_runs,
                                      bar_color="info", css_classes=["opt-progress"],
                                      sizing_mode="stretch_width"), pn.pane.HTML(count)),
        pn.pane.HTML(pn.bind(lambda m, e: feedback_html(m, e, "opt"), vm.param.message,
                             vm.param.error), sizing_mode="stretch_width"),
        pn.pane.HTML(verdict, sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
    )


def _heatmap(vm: OptimisationVM, theme: str) -> Any:
    from aristobot.charts.sweep_heatmap import sweep_heatmap

    hint = pn.pane.HTML(text.HEATMAP_HINT)
    area = pn.Column(hint, sizing_mode="stretch_width")
    doc = pn.state.curdoc

    def draw() -> None:
        runs, axes = vm.runs, vm.axes
        if (len(axes) < 2 or runs.empty or runs["objective"].isna().all()
                or not vm.walk.empty):  # a walk-forward's runs come from different windows
            area.objects = [hint]
            return
        fig = sweep_heatmap(runs, axes[0], axes[1], theme="dark" if theme == "midnight"
                            else "light", title=text.HEATMAP_TITLE.format(objective=vm.objective),
                            on_pick=vm.request_open)
        area.objects = [hint, pn.Column(pn.pane.Bokeh(fig, sizing_mode="stretch_width"),
                                        css_classes=["opt-heatmap"],
                                        sizing_mode="stretch_width")]

    vm.param.watch(lambda e: _on_doc(doc, draw), ["runs", "axes", "walk"])
    return area


def _table(vm: OptimisationVM, theme: str) -> Any:
    table = pn.widgets.Tabulator(display_frame(vm.runs), theme=theme, show_index=False,
                                 disabled=True, selectable=1, pagination="local", page_size=15,
                                 sizing_mode="stretch_width", css_classes=["opt-table"])
    vm.param.watch(lambda e: setattr(table, "value", display_frame(e.new)), "runs")

    def picked(event: Any) -> None:
        if event.new and event.new[0] < len(table.value):
            run = int(table.value.iloc[event.new[0]]["n°"])
            vm.request_open(run)

    table.param.watch(picked, "selection")
    return table


def _walk(vm: OptimisationVM, theme: str) -> Any:
    hint = pn.pane.HTML(text.WALK_HINT)
    table = pn.widgets.Tabulator.from_param(
        vm.param.walk, theme=theme, show_index=False, disabled=True, layout="fit_data_table",
        sizing_mode="stretch_width", css_classes=["opt-walk"])
    return pn.Column(hint, table, sizing_mode="stretch_width")


def _opened(vm: OptimisationVM) -> Any:
    label = pn.pane.HTML(pn.bind(lambda t: f"<b id='opt-opened'>{html.escape(t)}</b>"
                                if t else "", vm.param.opened), sizing_mode="stretch_width")
    area = pn.Column(sizing_mode="stretch_width")
    doc = pn.state.curdoc

    def show(layout: Any) -> None:
        area.objects = [] if layout is None else [
            pn.Column(pn.pane.Bokeh(layout, sizing_mode="stretch_width"),
                      css_classes=["opt-chart"], sizing_mode="stretch_width")]

    vm.param.watch(lambda e: _on_doc(doc, partial(show, e.new)), "chart")
    return pn.Column(label, area, sizing_mode="stretch_width")


def _past(vm: OptimisationVM, theme: str) -> Any:
    table = pn.widgets.Tabulator.from_param(
        vm.param.past, theme=theme, show_index=False, disabled=True, selectable=1,
        pagination="local", page_size=10, sizing_mode="stretch_width", css_classes=["opt-past"])

    def chosen() -> int | None:
        sel = [i for i in table.selection if i < len(vm.past)]
        return int(vm.past.iloc[sel[0]]["id"]) if sel else None

    def act(fn: Any) -> None:
        sweep_id = chosen()
        if sweep_id is None:
            vm.error = text.PICK_PAST
        else:
            fn(sweep_id)

    return pn.Column(
        pn.Row(_button(text.REOPEN, "opt-reopen", lambda e: act(vm.reopen)),
               _button(text.DELETE, "opt-delete", lambda e: act(vm.delete), "danger")),
        table, sizing_mode="stretch_width")


def build(ctx: PageContext) -> Any:
    vm = OptimisationVM(ctx.runtime, ctx.user.id, timezone=ctx.timezone, theme=ctx.theme)
    theme = "midnight" if ctx.theme == "dark" else "simple"
    pn.state.on_session_destroyed(lambda _ctx, vm=vm: vm.close())
    results = pn.Tabs(
        *zip(text.RESULT_TABS, (_heatmap(vm, theme), _table(vm, theme), _walk(vm, theme),
                                _past(vm, theme)), strict=True),
        sizing_mode="stretch_width", dynamic=False, css_classes=["opt-results"])
    # A finished or reopened sweep shows its heatmap; an opened run's chart sits below.
    vm.param.watch(lambda e: setattr(results, "active", 2 if not vm.walk.empty else 0)
                   if e.new is not None else None, "sweep_id")
    return pn.Column(
        pn.pane.Markdown(text.TITLE),
        pn.Row(pn.Column(_form(vm, theme), css_classes=["ab-card"]),
               pn.Column(_progress(vm), results, _opened(vm), css_classes=["ab-card"],
                         sizing_mode="stretch_width"),
               sizing_mode="stretch_width"),
        sizing_mode="stretch_width", css_classes=["opt-page"])
