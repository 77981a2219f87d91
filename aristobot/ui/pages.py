"""The dashboard's pages: one module each, chosen by ``?page=<key>``.

A page module exposes ``build(ctx: PageContext) -> panel Viewable``. It builds its param
view-model for this session and wires widgets to it; logic stays in the library.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from aristobot.accounts.users import User
from aristobot.runtime import Runtime


@dataclass(frozen=True, slots=True)
class PageSpec:
    key: str
    label: str  # French, as in the sidebar
    icon: str
    module: str  # dotted path of the module exposing build(ctx)


@dataclass(frozen=True, slots=True)
class PageContext:
    """What a page receives for one browser session."""

    runtime: Runtime
    user: User
    theme: str  # "dark" | "light"
    timezone: str  # "UTC", an IANA zone, or the browser's zone resolved at login
    web_session_id: int | None = None  # the login session (kept when the password changes)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("heartbeat", "Heartbeat", "♥", "aristobot.ui.heartbeat_page"),
    PageSpec("trading", "Trading manuel", "⇄", "aristobot.ui.trading_page"),
    PageSpec("bots", "Trading BOT", "⚙", "aristobot.ui.bots_page"),
    PageSpec("strategies", "Stratégies", "✎", "aristobot.ui.strategies_page"),
    PageSpec("backtest", "Backtest", "↺", "aristobot.ui.backtest_page"),
    PageSpec("webhooks", "Webhooks", "⚡", "aristobot.ui.webhooks_page"),
    PageSpec("stats", "Statistiques", "∑", "aristobot.ui.stats_page"),
    PageSpec("account", "Mon Compte", "☺", "aristobot.ui.account_page"),
)
DEFAULT_PAGE = "heartbeat"


def page_spec(key: str | None) -> PageSpec:
    """Return the page for ``key`` (the default page for an unknown key)."""
    for spec in PAGES:
        if spec.key == key:
            return spec
    return page_spec(DEFAULT_PAGE)


def build_page(spec: PageSpec, ctx: PageContext) -> Any:
    """Import the page module and build it for this session."""
    module = importlib.import_module(spec.module)
    return module.build(ctx)
