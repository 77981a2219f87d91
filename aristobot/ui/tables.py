"""The table theme: what every ``pn.widgets.Tabulator`` of the dashboard shares.

Colours come from theme_css.TABLE_CSS (one Tabulator theme, recoloured per session), the
pagination speaks French, internal ``id`` columns are hidden and row actions are buttons.
``install_table_defaults()`` runs once per session before the page is built, so every table,
present and future, inherits it without passing anything.
"""

from __future__ import annotations

from html import escape
from typing import Any

import panel as pn

from aristobot.ui import page_messages as lbl

TABLE_THEME = "simple"  # the neutral base; theme_css recolours it for dark and light
HIDDEN_COLUMNS = ["id"]

FRENCH = lbl.TABLE_LANGUAGE  # Tabulator options: French pagination, placeholder, filters


def french_number(decimals: int) -> dict[str, Any]:
    """A Tabulator formatter for a numeric column (stays numeric, so it sorts as numbers):
    French separators and ``decimals`` places, as aristobot.ui.numbers writes them."""
    return {"type": "money", "decimal": ",", "thousand": "\u202f", "precision": decimals}


def numbers_right(columns: list[str]) -> dict[str, str]:
    """Tabulator's ``text_align`` for columns of numbers: right-aligned, digits under digits."""
    return dict.fromkeys(columns, "right")


def row_button(label: str) -> str:
    """Return the HTML of a row action for Tabulator's ``buttons={col: row_button(...)}``."""
    return f"<span class='ab-row-btn' role='button'>{escape(label)}</span>"


def table_theme(theme: str) -> str:
    """The Tabulator theme for the user's ``theme`` (one base theme for both)."""
    del theme  # the colours come from the session's CSS tokens
    return TABLE_THEME


def install_table_defaults() -> None:
    """Make French pagination, hidden ``id`` columns and the base theme every table's default.

    ``configuration`` is no parameter of Panel's Tabulator (a constructor argument kept in
    ``_configuration``), so the French texts are merged where Panel builds the configuration
    it sends to the browser; a table's own configuration still wins."""
    tab = pn.widgets.Tabulator
    tab.param.hidden_columns.default = list(HIDDEN_COLUMNS)
    tab.param.theme.default = TABLE_THEME
    original = getattr(tab, "_get_configuration", None)
    if original is None or getattr(original, "_aristobot_french", False):
        return

    def _get_configuration(self: Any, columns: Any) -> dict[str, Any]:
        return {**FRENCH, **original(self, columns)}

    _get_configuration._aristobot_french = True  # type: ignore[attr-defined]
    tab._get_configuration = _get_configuration  # type: ignore[method-assign]


def table_options(theme: str, **extra: Any) -> dict[str, Any]:
    """The keyword arguments a read-only, full-width table uses."""
    return {"theme": table_theme(theme), "show_index": False, "disabled": True,
            "sizing_mode": "stretch_width", **extra}
