"""« Statistiques » page (placeholder until its feature lands)."""

from __future__ import annotations

from typing import Any

from aristobot.ui.coming_soon import coming_soon
from aristobot.ui.pages import PageContext


def build(ctx: PageContext) -> Any:
    return coming_soon(
        "Statistiques", "les statistiques de trading arrivent avec le moteur et les webhooks."
    )
