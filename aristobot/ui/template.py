"""The dashboard's page template: Panel's FastListTemplate without any web font.

Panel's Fast design links Google Fonts (Open Sans) from every page; offline that is a failed
request per page and online it tells Google about every visit. The design's font resource is
emptied (a subclass would break the design's other resources, which Panel resolves by class
name) and the text uses theme.FONT, a system font stack: the browser asks only the server.
"""

from __future__ import annotations

from typing import Any

from panel.template import FastListTemplate
from panel.theme.fast import Fast


def drop_web_fonts() -> None:
    """Remove the Google Fonts link from Panel's Fast design (idempotent, process-wide)."""
    if Fast._resources.get("font"):
        Fast._resources = {**Fast._resources, "font": {}}


def page_template(**params: Any) -> FastListTemplate:
    """Return a FastListTemplate that loads nothing from another origin."""
    drop_web_fonts()
    return FastListTemplate(**params)
