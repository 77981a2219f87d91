"""The one-line success / error message shown under a form (always HTML-escaped)."""

from __future__ import annotations

from html import escape


def feedback_html(message: str, error: str, prefix: str) -> str:
    """Return the error (red) or else the message (green) with ids ``<prefix>-error|message``."""
    if error:
        return (f"<div class='ab-danger ab-message' id='{prefix}-error' role='alert'>"
                f"{escape(error)}</div>")
    if message:
        return (f"<div class='ab-ok ab-message' id='{prefix}-message' role='status'>"
                f"{escape(message)}</div>")
    return ""
