"""« Webhooks » page (placeholder until its feature lands)."""

from __future__ import annotations

from typing import Any

from aristobot.ui.coming_soon import coming_soon
from aristobot.ui.pages import PageContext


def build(ctx: PageContext) -> Any:
    return coming_soon(
        "Webhooks", "la réception des alertes TradingView arrive avec le service webhooks."
    )
