"""« Webhooks » page: wires widgets to :class:`WebhooksVM` (no logic here).

Everything received is shown as text: payloads go through HTML escaping (``<pre>`` panes) or
Tabulator's ``plaintext`` formatter, never as markup.
"""

from __future__ import annotations

from html import escape
from typing import Any

import panel as pn

from aristobot.ui import webhooks_messages as msg
from aristobot.ui.feedback import feedback_html
from aristobot.ui.pages import PageContext
from aristobot.ui.tables import row_button, table_theme
from aristobot.ui.webhooks_vm import LOG_COLUMNS, SOURCE_COLUMNS, WebhooksVM

LIVE_MS = 2000


def base_url(ctx: PageContext) -> str:
    """The public address shown in source URLs (ARISTOBOT_WEBHOOK_BASE_URL, else this host)."""
    configured = ctx.runtime.settings.extra.get("ARISTOBOT_WEBHOOK_BASE_URL", "")
    if configured:
        return configured
    headers = pn.state.headers or {}
    proto = headers.get("X-Forwarded-Proto", "http")
    return f"{proto}://{headers.get('Host', 'localhost:5006')}"


def _detail(url: str, message: str) -> str:
    if not url:
        return msg.NO_SOURCE_HINT
    return msg.SOURCE_DETAIL.format(url=escape(url), message=escape(message))


def _payload(text: str) -> str:
    if not text:
        return msg.NO_PAYLOAD_HINT
    return f"<pre id='wh-payload' style='white-space:pre-wrap'>{escape(text)}</pre>"


def _sources_panel(vm: WebhooksVM, table_opts: dict[str, Any]) -> Any:
    name = pn.widgets.TextInput.from_param(vm.param.new_name, label=msg.SOURCE_NAME,
                                           placeholder=msg.SOURCE_NAME_PLACEHOLDER,
                                           css_classes=["wh-name"], width=240)
    broker = pn.widgets.Select(label="Broker", options=vm.broker_names, value=0, width=220,
                               css_classes=["wh-broker"])
    broker.link(vm, value="new_broker")
    tv_only = pn.widgets.Checkbox.from_param(
        vm.param.new_tradingview_only, label=msg.TRADINGVIEW_ONLY)
    rate = pn.widgets.IntInput.from_param(vm.param.new_rate, label=msg.RATE, width=120)
    create = pn.widgets.Button(label=msg.CREATE, color="primary",
                               css_classes=["wh-create"])
    create.on_click(lambda e: vm.create())
    buttons = {"rotate": row_button(msg.ROTATE), "toggle": row_button(msg.TOGGLE),
               "delete": row_button(msg.DELETE)}
    table = pn.widgets.Tabulator.from_param(
        vm.param.sources, buttons=buttons, selectable=1, css_classes=["wh-sources"],
        formatters={c: {"type": "plaintext"} for c in SOURCE_COLUMNS},
        hidden_columns=["id"], layout="fit_columns", **table_opts)

    def _click(event: Any) -> None:
        source_id = int(vm.sources.iloc[event.row]["id"])
        {"rotate": vm.rotate, "toggle": vm.toggle, "delete": vm.delete}.get(
            event.column, vm.select)(source_id)

    table.on_click(_click)
    detail = pn.pane.HTML(pn.bind(_detail, vm.param.url, vm.param.alert_message),
                          sizing_mode="stretch_width", css_classes=["wh-detail"])
    feedback = pn.pane.HTML(pn.bind(feedback_html, vm.param.message, vm.param.error, "wh"),
                            sizing_mode="stretch_width")
    return pn.Column(pn.pane.HTML(msg.SOURCES_TITLE),
                     pn.FlexBox(name, broker, rate, pn.Column(tv_only, create),
                                align_items="flex-end"), feedback, table,
                     detail, css_classes=["ab-card"], sizing_mode="stretch_width")


def _log_panel(vm: WebhooksVM, table_opts: dict[str, Any]) -> Any:
    source = pn.widgets.Select.from_param(vm.param.filter_source, label="Source", width=200)
    status = pn.widgets.Select.from_param(vm.param.filter_status, label=msg.STATUS, width=160)
    text = pn.widgets.TextInput.from_param(vm.param.filter_text, label=msg.SEARCH,
                                           placeholder=msg.SEARCH_PLACEHOLDER,
                                           css_classes=["wh-search"], width=260)
    prev = pn.widgets.Button(label="◀", width=50, css_classes=["wh-prev"])
    nxt = pn.widgets.Button(label="▶", width=50, css_classes=["wh-next"])
    prev.on_click(lambda e: vm.previous_page())
    nxt.on_click(lambda e: vm.next_page())
    label = pn.pane.HTML(pn.bind(lambda p, t: f"<span id='wh-page'>{vm.page_label()}</span>",
                                 vm.param.page, vm.param.total))
    table = pn.widgets.Tabulator.from_param(
        vm.param.log_rows, css_classes=["wh-log"], layout="fit_data_table",
        formatters={c: {"type": "plaintext"} for c in LOG_COLUMNS},
        widths={"Contenu": 360, "Erreur": 280}, **table_opts)
    table.on_click(lambda event: vm.show_entry(event.row))
    detail = pn.pane.HTML(pn.bind(_payload, vm.param.log_detail), sizing_mode="stretch_width")
    return pn.Column(pn.pane.HTML(msg.LOG_TITLE),
                     pn.FlexBox(source, status, text), table, pn.Row(prev, label, nxt), detail,
                     css_classes=["ab-card"], sizing_mode="stretch_width")


def build(ctx: PageContext) -> Any:
    vm = WebhooksVM(ctx.runtime, ctx.user.id, base_url(ctx), ctx.timezone)
    theme = table_theme(ctx.theme)
    table_opts = dict(theme=theme, show_index=False, disabled=True, sizing_mode="stretch_width")

    def _live() -> None:
        pn.state.add_periodic_callback(vm.refresh_log, period=LIVE_MS)

    pn.state.onload(_live)
    return pn.Column(pn.pane.Markdown("## Webhooks"), _sources_panel(vm, table_opts),
                     _log_panel(vm, table_opts), sizing_mode="stretch_width")
