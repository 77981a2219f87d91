"""The dashboard's design system: one palette per theme, spacing, type, tables, messages.

Every page inherits it: ``css_for(theme)`` is added once per session (``pn.config.raw_css``
reaches every component's shadow root), and components only use the ``ab-*`` classes and
``var(--ab-*)`` tokens defined here. The dark theme is the seed's neon « crypto » look on one
navy palette; the light theme is designed for white (deep accents, WCAG AA 4.5:1 for text,
checked by ``tests/unit/ui/test_theme.py``). No web font: a system font stack, so the browser
never asks another origin for anything. The palettes themselves live in aristobot.core.palette
(the charts use them too).
"""

from __future__ import annotations

from dataclasses import asdict

from aristobot.core.palette import DARK, HEADER_DARK, LIGHT, PALETTES, Palette, palette

__all__ = ["DARK", "FONT", "HEADER_DARK", "LIGHT", "MONO", "PALETTES", "RADIUS", "SPACING",
           "Palette", "css_for", "palette"]

FONT = ("system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', 'DejaVu Sans', "
        "Arial, sans-serif")
MONO = "ui-monospace, 'DejaVu Sans Mono', 'Cascadia Mono', Menlo, Consolas, monospace"

# Spacing and shape, shared by both themes.
SPACING = {"xs": "4px", "sm": "8px", "md": "12px", "lg": "16px", "xl": "24px"}
RADIUS = "10px"


def _tokens(p: Palette) -> str:
    lines = [f"--ab-{k.replace('_', '-')}: {v};" for k, v in asdict(p).items()]
    lines += [f"--ab-space-{k}: {v};" for k, v in SPACING.items()]
    lines += [f"--ab-radius: {RADIUS};", f"--ab-font: {FONT};", f"--ab-mono: {MONO};",
              f"--neon-cyan: {p.accent}; --neon-green: {p.ok}; --neon-red: {p.danger};"]
    return ":root, :host {\n  " + "\n  ".join(lines) + "\n}\n"


def css_for(theme: str) -> str:
    """Return the session's CSS: tokens of ``theme`` then the shared rules."""
    from aristobot.ui.theme_css import BASE_CSS, TABLE_CSS, TEMPLATE_CSS

    return _tokens(palette(theme)) + TEMPLATE_CSS + BASE_CSS + TABLE_CSS
