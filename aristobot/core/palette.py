"""The colour tokens of the dashboard's two themes, shared by the pages and the charts.

The dark theme is the seed's neon « crypto » look on one navy palette; the light theme is designed
for white (deep accents, WCAG AA 4.5:1 for text). aristobot.ui.theme turns a palette into CSS
custom properties; aristobot.charts paints Bokeh figures with it. Pure data: no UI import.
"""

from __future__ import annotations

from dataclasses import dataclass

NEON_CYAN = "#00D4FF"
NEON_GREEN = "#00FF88"
NEON_RED = "#FF0055"
HEADER_DARK = "#0b0f1a"


@dataclass(frozen=True, slots=True)
class Palette:
    """The colour tokens of one theme (CSS custom properties ``--ab-<name>``)."""

    bg: str  # page background, sidebar included
    surface: str  # cards
    surface_alt: str  # table headers, inputs
    row: str  # table rows
    row_alt: str  # zebra rows
    row_hover: str
    row_selected: str
    border: str
    glow: str  # card shadow colour
    text: str
    muted: str
    accent: str  # titles, links, the active menu entry
    ok: str  # success text, long / buy
    danger: str  # errors, short / sell
    warn: str
    header_bg: str
    header_text: str
    button_bg: str
    button_text: str
    button_border: str
    primary_bg: str  # filled accent button
    primary_text: str


DARK = Palette(
    bg="#0b0f1a", surface="#121a2b", surface_alt="#18233a", row="#121a2b", row_alt="#16203a",
    row_hover="#1d2b4a", row_selected="#0f3550", border="#23406a", glow="rgba(0,212,255,.14)",
    text="#e6f1ff", muted="#9fb3d1", accent=NEON_CYAN, ok=NEON_GREEN, danger="#FF6B91",
    warn="#FFB020", header_bg=HEADER_DARK, header_text="#e6f1ff", button_bg="#16213a",
    button_text="#e6f1ff", button_border="#2f5a8a", primary_bg=NEON_CYAN, primary_text="#041018",
)

LIGHT = Palette(
    bg="#f3f6fa", surface="#ffffff", surface_alt="#e9eef5", row="#ffffff", row_alt="#f5f8fc",
    row_hover="#e4eef9", row_selected="#d4e8f7", border="#c5d3e3", glow="rgba(16,42,84,.08)",
    text="#142033", muted="#4a5a70", accent="#005f8f", ok="#0a6b35", danger="#b8002f",
    warn="#8a4b00", header_bg="#0f2a44", header_text="#ffffff", button_bg="#ffffff",
    button_text="#142033", button_border="#8fa3bb", primary_bg="#005f8f", primary_text="#ffffff",
)

PALETTES = {"dark": DARK, "light": LIGHT}


def palette(theme: str) -> Palette:
    return DARK if theme == "dark" else LIGHT
