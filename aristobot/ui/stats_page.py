"""« Statistiques » page: wires widgets to :class:`StatsVM` (no logic here)."""

from __future__ import annotations

from typing import Any

import panel as pn

from aristobot.charts.stats_chart import equity_figure, pnl_bars
from aristobot.stats import Stats
from aristobot.stats import messages as stats_text
from aristobot.ui import messages as msg
from aristobot.ui import page_messages as lbl
from aristobot.ui.feedback import feedback_html
from aristobot.ui.pages import PageContext
from aristobot.ui.stats_vm import StatsVM
from aristobot.ui.tables import french_number, table_theme


def _conventions() -> str:
    return lbl.STATS_METHOD


def _charts(stats: Stats | None, timezone: str, theme: str) -> Any:
    """The two charts, or a placeholder while there is no executed trade to draw."""
    if stats is None or not len(stats.equity):
        return pn.pane.HTML(f"<div class='ab-placeholder st-no-chart'>{msg.NO_TRADE_TO_CHART}"
                            "</div>", sizing_mode="stretch_width")
    return pn.Column(
        pn.pane.Bokeh(equity_figure(stats.equity, timezone, theme), sizing_mode="stretch_width"),
        pn.pane.Bokeh(pnl_bars(stats.summary, theme), sizing_mode="stretch_width"),
        sizing_mode="stretch_width")


def build(ctx: PageContext) -> Any:
    vm = StatsVM(ctx.runtime, ctx.user.id)
    broker = pn.widgets.Select(label="Compte broker", options=vm.broker_names, value=0,
                               width=240, css_classes=["st-broker"])
    broker.link(vm, value="broker")
    start = pn.widgets.DatePicker.from_param(vm.param.start, label=lbl.STATS_FROM, width=160,
                                             css_classes=["st-start"])
    end = pn.widgets.DatePicker.from_param(vm.param.end, label=lbl.STATS_TO, width=160,
                                           css_classes=["st-end"])
    export = pn.widgets.FileDownload(callback=vm.csv, filename="aristobot_trades.csv",
                                     label=lbl.EXPORT_CSV, css_classes=["st-export"],
                                     width=180)
    summary = pn.widgets.Tabulator.from_param(
        vm.param.summary, theme=table_theme(ctx.theme), show_index=False,
        disabled=True, sizing_mode="stretch_width", css_classes=["st-summary"],
        formatters={stats_text.ORIGIN: {"type": "plaintext"},
                    **{c: french_number(2) for c in (stats_text.WIN_RATE, stats_text.REALISED_PNL,
                                                     stats_text.FEES, stats_text.MAX_DRAWDOWN)}})
    info = pn.pane.HTML(pn.bind(lambda i, e: feedback_html(i, e, "st"), vm.param.info,
                                vm.param.error), sizing_mode="stretch_width")
    charts = pn.panel(pn.bind(_charts, vm.param.stats, ctx.timezone, ctx.theme),
                      sizing_mode="stretch_width")
    return pn.Column(
        pn.pane.Markdown("## Statistiques"),
        pn.FlexBox(broker, start, end, export, align_items="flex-end", css_classes=["ab-card"],
                   sizing_mode="stretch_width"),
        info,
        pn.Column(pn.pane.HTML("<h3 class='ab-accent'>Performance par origine</h3>"), summary,
                  pn.pane.HTML(_conventions()), css_classes=["ab-card"],
                  sizing_mode="stretch_width"),
        pn.Column(charts, css_classes=["ab-card"], sizing_mode="stretch_width"),
        sizing_mode="stretch_width",
    )
