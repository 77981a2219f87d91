"""« Mon Compte »: profile, brokers and AI assistant, one section module each."""

from __future__ import annotations

from typing import Any

import panel as pn

from aristobot.ui.account import ai_section, brokers_section, profile_section
from aristobot.ui.pages import PageContext


def build(ctx: PageContext) -> Any:
    return pn.Column(
        pn.pane.Markdown("## Mon Compte"),
        profile_section.build(ctx),
        brokers_section.build(ctx),
        ai_section.build(ctx),
        sizing_mode="stretch_width",
    )
