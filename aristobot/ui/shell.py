"""The dashboard shell: fixed sidebar (logout + 8 entries), header status bar, main area."""

from __future__ import annotations

import logging
from html import escape
from typing import Any

import panel as pn

from aristobot.runtime import Runtime
from aristobot.status import get_hub
from aristobot.ui import messages as msg
from aristobot.ui import page_messages as lbl
from aristobot.ui.pages import PAGES, PageSpec
from aristobot.ui.status_bar import render_status
from aristobot.ui.template import page_template
from aristobot.ui.theme import FONT, palette

log = logging.getLogger(__name__)


def sidebar(active: PageSpec, username: str) -> Any:
    links = "".join(
        f"<a href='?page={p.key}' id='menu-{p.key}' class='{'active' if p is active else ''}'>"
        f"{p.icon}&nbsp; {escape(p.label)}</a>"
        for p in PAGES
    )
    return pn.pane.HTML(
        lbl.SIDEBAR.format(user=escape(username), links=links),
        sizing_mode="stretch_width",
    )


def _reload_markets(runtime: Runtime) -> None:
    """Start reloading every exchange's markets in the background (non-blocking)."""
    from aristobot.brokers.markets import reload_all_markets

    runtime.spawn(reload_all_markets(runtime), "markets reload")


class StatusBar:
    """The header's status bar for one session, refreshed from the process hub."""

    def __init__(self, runtime: Runtime, user_id: int) -> None:
        self._runtime = runtime
        self._user_id = user_id
        self._hub = get_hub(runtime)
        self._seen = -1
        self.html = pn.pane.HTML("", sizing_mode="stretch_width", margin=(8, 10))
        self.confirm = pn.Column(
            pn.pane.Markdown(msg.RELOAD_MARKETS_CONFIRM),
            sizing_mode="stretch_width",
        )
        self.markets_button = pn.widgets.Button(
            label=lbl.RELOAD_MARKETS,
            css_classes=["ab-markets"],
            width=110,
            margin=(8, 4),
            description=lbl.RELOAD_MARKETS_HINT,
        )
        self.refresh()

    def refresh(self) -> None:
        if self._hub.version != self._seen:
            self._seen = self._hub.version
            self.html.object = render_status(self._hub.status, self._user_id)

    def reload_markets(self) -> None:
        _reload_markets(self._runtime)

    def view(self) -> Any:
        return pn.Row(self.html, self.markets_button, sizing_mode="stretch_width")


def build_template(
    *, title: str, theme: str, page: PageSpec, username: str, status: StatusBar, content: Any
) -> Any:
    colours = palette(theme)
    template = page_template(
        title=title,
        theme="dark" if theme == "dark" else "default",
        theme_toggle=False,
        accent_base_color=colours.accent,
        header_background=colours.header_bg,
        header_color=colours.header_text,
        background_color=colours.bg,
        neutral_color=colours.bg,
        font=FONT,
        main_layout=None,
        busy_indicator=None,
        sidebar=[sidebar(page, username)],
        header=[status.view()],
        main=[content],
        sidebar_width=210,
    )
    template.modal.append(status.confirm)  # type: ignore[union-attr]  # always a list here
    confirm = pn.widgets.Button(label="Confirmer", button_type="primary", width=120)
    cancel = pn.widgets.Button(label="Annuler", width=120)
    status.confirm.append(pn.Row(cancel, confirm))

    def _open(_: Any) -> None:
        template.open_modal()

    def _confirm(_: Any) -> None:
        template.close_modal()
        status.reload_markets()

    status.markets_button.on_click(_open)
    confirm.on_click(_confirm)
    cancel.on_click(lambda _: template.close_modal())
    return template
