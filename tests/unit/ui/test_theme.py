"""The design tokens: WCAG AA (4.5:1) for every text colour on every background it sits on."""

from __future__ import annotations

import pytest

from aristobot.ui.tables import FRENCH, HIDDEN_COLUMNS, row_button
from aristobot.ui.theme import DARK, LIGHT, Palette, css_for

TEXTS = ("text", "muted", "accent", "ok", "danger", "warn")
BACKGROUNDS = ("bg", "surface", "surface_alt", "row", "row_alt", "row_hover", "row_selected")


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula_matches_wcag_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#00FF88", "#ffffff") < 1.6  # why the light theme has its own greens


@pytest.mark.parametrize("palette", [DARK, LIGHT], ids=["dark", "light"])
def test_every_text_colour_reaches_aa_on_every_background(palette: Palette) -> None:
    low = [(t, b, round(contrast(getattr(palette, t), getattr(palette, b)), 2))
           for t in TEXTS for b in BACKGROUNDS
           if contrast(getattr(palette, t), getattr(palette, b)) < 4.5]
    assert not low
    assert contrast(palette.header_text, palette.header_bg) >= 4.5
    assert contrast(palette.button_text, palette.button_bg) >= 4.5
    assert contrast(palette.primary_text, palette.primary_bg) >= 4.5


def test_light_theme_is_not_the_neon_palette_on_white() -> None:
    assert {LIGHT.accent, LIGHT.ok, LIGHT.danger}.isdisjoint({DARK.accent, DARK.ok, DARK.danger})


def test_css_declares_every_token_and_loads_no_web_font() -> None:
    for theme, palette in (("dark", DARK), ("light", LIGHT)):
        css = css_for(theme)
        assert f"--ab-surface: {palette.surface};" in css and "--ab-font:" in css
        assert "@import" not in css and "url(" not in css and "googleapis" not in css


def test_tables_speak_french_hide_ids_and_draw_row_buttons() -> None:
    labels = FRENCH["langs"]["fr"]["pagination"]
    assert [labels[k] for k in ("first", "prev", "next", "last")] == [
        "Premier", "Précédent", "Suivant", "Dernier"]
    assert HIDDEN_COLUMNS == ["id"]
    assert row_button("<Annuler>") == (
        "<span class='ab-row-btn' role='button'>&lt;Annuler&gt;</span>")
