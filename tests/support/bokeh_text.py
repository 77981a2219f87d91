"""What a built page shows: the texts of its Bokeh models (for « the page builds » tests)."""

from __future__ import annotations

from typing import Any


def shown_texts(root: Any) -> list[str]:
    """Every label, title, text, value and option string of ``root`` and the models below."""
    out: list[str] = []
    for model in root.references():
        props = model.properties()
        for attr in ("label", "title", "text", "value", "placeholder", "name"):
            value = getattr(model, attr) if attr in props else None
            if isinstance(value, str) and value:
                out.append(value)
        for attr in ("labels", "options"):
            values = getattr(model, attr) if attr in props else None
            for v in values or ():
                out.extend(x for x in (v if isinstance(v, tuple | list) else (v,))
                           if isinstance(x, str))
    return out


def assert_shows(root: Any, *expected: str) -> None:
    """Fail unless every ``expected`` string appears in one of the texts the page shows."""
    texts = shown_texts(root)
    missing = [e for e in expected if not any(e in t for t in texts)]
    assert not missing, f"the page does not show {missing}"
