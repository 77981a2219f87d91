"""The honest placeholder of a page whose features are not built yet."""

from __future__ import annotations

from typing import Any

import panel as pn


def coming_soon(title: str, what: str) -> Any:
    """Return the page title and « à venir », nothing fake."""
    return pn.Column(
        pn.pane.Markdown(f"## {title}"),
        pn.pane.HTML(
            f"<div class='ab-card ab-soon'><b>À venir</b> — {what}</div>",
            sizing_mode="stretch_width",
        ),
        sizing_mode="stretch_width",
    )
