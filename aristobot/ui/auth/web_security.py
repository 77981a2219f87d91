"""Pure helpers of the web layer: the post-login redirect check and the security headers."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def safe_next(url: str | None) -> str:
    """Return ``url`` when it is a path on this site, else ``/`` (no open redirect).

    Refused: anything with a scheme or host (``https:…``, ``//host``), a backslash, a control or
    whitespace character (browsers drop tabs and newlines: ``/\\t/host`` becomes ``//host``), and
    the same tricks percent-encoded once or twice (``/%09/host``, ``/%2F/host``, ``/%5C…``).
    """
    if not url or len(url) > 2048:
        return "/"
    candidates = [url]
    for _ in range(2):
        candidates.append(unquote(candidates[-1]))
    for c in candidates:
        if any(ord(ch) < 0x21 or ch == "\x7f" or ch == "\\" for ch in c):
            return "/"
        if not c.startswith("/") or c.startswith("//"):
            return "/"
        parts = urlsplit(c)
        if parts.scheme or parts.netloc:
            return "/"
    return url


def content_security_policy(host: str | None) -> str:
    """The CSP of every HTML page. Panel/Bokeh need inline scripts/styles and ``eval``-free JS
    from the server itself, plus a websocket back to the same origin."""
    ws = ""
    if host and _HOST.match(host):
        ws = f" ws://{host} wss://{host}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            f"connect-src 'self'{ws} blob: data:",
            "worker-src 'self' blob:",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "object-src 'none'",
            "form-action 'self'",
        ]
    )


def security_headers(host: str | None) -> dict[str, str]:
    """Headers added to every HTML response (login page, dashboard pages)."""
    return {
        "Content-Security-Policy": content_security_policy(host),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
