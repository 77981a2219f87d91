"""The error page takes the theme's tokens: no hard-coded neon, readable in both themes."""

from __future__ import annotations

import re

import pytest

from aristobot.core.palette import NEON_RED, palette
from aristobot.ui.app import error_page_html


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_error_page_uses_the_theme_tokens(theme: str) -> None:
    p = palette(theme)
    html = error_page_html("La page n'a pas pu s'afficher.", theme)
    colours = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}", html)}
    assert colours == {p.danger.lower(), p.surface.lower(), p.text.lower()}
    assert NEON_RED.lower() not in colours
    assert html.count('style="') == 2 and "La page n'a pas pu s'afficher." in html
