"""View-model of « Webhooks »: sources (create, rotate, enable, delete) and the live log."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import param

from aristobot.brokers import list_brokers
from aristobot.brokers.connections import get_manager
from aristobot.core.timefmt import format_dt
from aristobot.errors import AristobotError
from aristobot.runtime import Runtime
from aristobot.ui import webhooks_messages as msg
from aristobot.ui.numbers import Precision, PrecisionBook
from aristobot.webhooks import (
    TRADINGVIEW_IPS,
    Source,
    alert_message_template,
    create_source,
    delete_source,
    list_sources,
    rotate_source,
    update_source,
)
from aristobot.webhooks.journal import STATUSES, LogEntry, LogFilter, webhook_log

log = logging.getLogger(__name__)
SOURCE_COLUMNS, LOG_COLUMNS, ALL = msg.SOURCE_COLUMNS, msg.LOG_COLUMNS, msg.ALL
PAGE_SIZE = 25


def order_text(e: LogEntry, precision: Precision) -> str:
    """The « Ordre » cell of a logged request: side, quantity (and price) at the market's
    precision, symbol and trade number; empty when the request placed no order."""
    if not e.trade_id:
        return ""
    fields = {"side": msg.SIDE_FR.get(e.trade_side or "", ""), "symbol": e.trade_symbol,
              "quantity": precision.quantity(e.trade_quantity), "id": e.trade_id}
    if e.trade_price is None:
        return msg.ORDER.format(**fields)
    return msg.ORDER_AT.format(price=precision.price(e.trade_price), **fields)


class WebhooksVM(param.Parameterized):
    # creation form
    new_name = param.String(default="")
    new_broker: Any = param.Selector(default=0, objects=[0])  # 0: the user's default broker
    new_tradingview_only = param.Boolean(default=False)
    new_rate = param.Integer(default=60, bounds=(1, 100_000))
    # sources
    sources = param.DataFrame(default=pd.DataFrame(columns=SOURCE_COLUMNS))
    selected_id: Any = param.Integer(default=None, allow_None=True)
    url = param.String(default="")
    alert_message = param.String(default="")
    # log
    filter_source: Any = param.Selector(default=ALL, objects=[ALL])
    filter_status: Any = param.Selector(default=ALL, objects=[ALL, *STATUSES])
    filter_text = param.String(default="")
    page = param.Integer(default=0, bounds=(0, None))
    total = param.Integer(default=0)
    log_rows = param.DataFrame(default=pd.DataFrame(columns=LOG_COLUMNS))
    log_detail = param.String(default="")  # the full body of the clicked request (text)
    message = param.String(default="")
    error = param.String(default="")

    def __init__(self, runtime: Runtime, user_id: int, base_url: str, timezone: str = "UTC",
                 **params: Any) -> None:
        super().__init__(**params)
        self._runtime = runtime
        self._user_id = user_id
        self._base_url = base_url.rstrip("/")
        self._timezone = timezone
        self._sources: list[Source] = []
        self._entries: list[LogEntry] = []
        self._books: dict[int, PrecisionBook] = {}
        with runtime.sessions() as s:
            brokers = list_brokers(s, user_id)
        self.broker_names = {msg.DEFAULT_BROKER: 0,
                             **{f"{b.name} ({b.exchange})": b.id for b in brokers}}
        self.param.new_broker.objects = list(self.broker_names.values())
        self.reload()

    # --- sources -----------------------------------------------------------------------------
    def _do(self, action: Any, done: str) -> None:
        try:
            with self._runtime.sessions.begin() as s:
                action(s)
            self.message, self.error = done, ""
        except AristobotError as e:
            self.error, self.message = e.user_message(), ""
        self.reload()

    def create(self) -> None:
        name = self.new_name.strip()
        allow = TRADINGVIEW_IPS if self.new_tradingview_only else ()

        def act(s: Any) -> None:
            src = create_source(s, self._runtime.vault, self._user_id, name,
                                broker_id=self.new_broker or None, ip_allowlist=allow,
                                rate_limit_per_minute=self.new_rate)
            self.selected_id = src.id

        self._do(act, msg.SOURCE_CREATED.format(name=name))
        if not self.error:
            self.new_name = ""

    def rotate(self, source_id: int) -> None:
        self._do(lambda s: rotate_source(s, self._runtime.vault, self._user_id, source_id),
                 msg.SOURCE_ROTATED)
        self.selected_id = source_id
        self._show_selected()

    def toggle(self, source_id: int) -> None:
        src = self._find(source_id)
        if src is None:
            return
        self._do(lambda s: update_source(s, self._runtime.vault, self._user_id, source_id,
                                         enabled=not src.enabled),
                 msg.SOURCE_TOGGLED.format(
                     name=src.name,
                     state=msg.SOURCE_TOGGLED_OFF if src.enabled else msg.SOURCE_TOGGLED_ON))

    def set_allowlist(self, source_id: int, text: str) -> None:
        entries = tuple(e for e in text.replace(",", " ").split() if e)
        self._do(lambda s: update_source(s, self._runtime.vault, self._user_id, source_id,
                                         ip_allowlist=entries),
                 msg.ALLOWLIST_SAVED if entries else msg.ALLOWLIST_CLEARED)

    def delete(self, source_id: int) -> None:
        self._do(lambda s: delete_source(s, self._user_id, source_id),
                 msg.SOURCE_DELETED)
        if self.selected_id == source_id:
            self.selected_id = None

    def select(self, source_id: int | None) -> None:
        self.selected_id = source_id
        self._show_selected()

    def _find(self, source_id: int | None) -> Source | None:
        return next((x for x in self._sources if x.id == source_id), None)

    def _show_selected(self) -> None:
        src = self._find(self.selected_id)
        self.url = f"{self._base_url}/webhooks/{src.token}" if src else ""
        self.alert_message = (alert_message_template(src.secret if src.require_secret else None)
                              if src else "")

    def reload(self) -> None:
        """Reload the sources and the current log page."""
        with self._runtime.sessions() as s:
            self._sources = list_sources(s, self._runtime.vault, self._user_id)
        brokers = {v: k for k, v in self.broker_names.items()}
        self.sources = pd.DataFrame(
            [[x.id, x.name, msg.SOURCE_ENABLED if x.enabled else msg.SOURCE_DISABLED,
              brokers.get(x.broker_id or 0, "?"), x.rate_limit_per_minute,
              ", ".join(x.ip_allowlist) or msg.ANY_ADDRESS, format_dt(x.created_at, self._timezone),
              format_dt(x.rotated_at, self._timezone) if x.rotated_at else ""]
             for x in self._sources], columns=SOURCE_COLUMNS)
        self.param.filter_source.objects = [ALL, *(x.name for x in self._sources)]
        if self.filter_source not in self.param.filter_source.objects:
            self.filter_source = ALL
        if self.selected_id is None and self._sources:
            self.selected_id = self._sources[0].id
        self._show_selected()
        self.refresh_log()

    # --- log ---------------------------------------------------------------------------------
    def _filter(self) -> LogFilter:
        src = next((x for x in self._sources if x.name == self.filter_source), None)
        return LogFilter(source_id=src.id if src else None,
                         status=None if self.filter_status == ALL else self.filter_status,
                         text=self.filter_text)

    @param.depends("filter_source", "filter_status", "filter_text", watch=True)
    def _on_filter(self) -> None:
        self.page = 0
        self.refresh_log()

    def next_page(self) -> None:
        if (self.page + 1) * PAGE_SIZE < self.total:
            self.page += 1
            self.refresh_log()

    def previous_page(self) -> None:
        if self.page > 0:
            self.page -= 1
            self.refresh_log()

    def refresh_log(self) -> None:
        """Reload the current page of the log (called periodically: the log is live)."""
        try:
            with self._runtime.sessions() as s:
                entries, total = webhook_log(s, self._user_id, self._filter(),
                                             offset=self.page * PAGE_SIZE, limit=PAGE_SIZE)
        except Exception:
            # A periodic refresh: the page keeps the rows it shows and says the log could
            # not be read; the next refresh retries (the trace is in the server log).
            log.exception("cannot read the webhook log")
            self.error = msg.LOG_UNREADABLE
            return
        if self.error == msg.LOG_UNREADABLE:
            self.error = ""
        self.total = total
        self._entries = entries
        self._books = {}  # markets may have loaded since
        rows = pd.DataFrame(
            [[format_dt(e.created_at, self._timezone), e.source,
              msg.STATUS_FR.get(e.status, e.status), order_text(e, self._precision(e)),
              msg.TRADE_STATUS_FR.get(e.trade_status or "", e.trade_status or ""),
              e.error or e.trade_error or "", e.raw_body[:500], e.client_ip or ""]
             for e in entries],
            columns=LOG_COLUMNS, dtype=object)
        if not rows.equals(self.log_rows):  # the live refresh redraws only on change
            self.log_rows = rows

    def show_entry(self, index: int) -> None:
        """Show the whole body of one logged request (displayed as text by the page)."""
        if 0 <= index < len(self._entries):
            e = self._entries[index]
            self.log_detail = msg.LOG_DETAIL.format(id=e.id, source=e.source, body=e.raw_body)

    def page_label(self) -> str:
        pages = max(1, -(-self.total // PAGE_SIZE))
        return msg.PAGE_LABEL.format(page=self.page + 1, pages=pages, total=self.total)

    def _precision(self, e: LogEntry) -> Precision:
        """The precision of a logged order's market on its broker (the readable default while
        the broker's markets are not loaded in this process: no request from here)."""
        broker_id = e.trade_broker_id
        if broker_id is None or not e.trade_symbol:
            return Precision()
        if broker_id not in self._books:
            markets = get_manager(self._runtime).loaded_markets(self._user_id, broker_id)
            self._books[broker_id] = PrecisionBook({k: m.rules for k, m in markets.items()})
        return self._books[broker_id].of(e.trade_symbol)

