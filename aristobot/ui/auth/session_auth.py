"""Who is calling: the login session behind a request, and its binding to Bokeh sessions.

The ``ab_session`` cookie (Tornado-signed) carries a random token; ``web_sessions`` holds its
hash. ``get_user`` (the Bokeh auth hook) calls ``request_user`` for every dashboard page and
websocket. The dashboard learns its user from the signed Bokeh token payload that
``bokeh_payload`` fills at page load (never from cookies, which are kept out of the token).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from tornado.web import RequestHandler

from aristobot import runtime as runtime_mod
from aristobot.accounts.web_sessions import WebSession, resolve_token

log = logging.getLogger(__name__)

SESSION_COOKIE = "ab_session"
DEVICE_COOKIE = "ab_device"
TZ_COOKIE = "ab_tz"
#: Key of our entry in the Bokeh token payload (signed by Bokeh with its secret key).
PAYLOAD_KEY = "aristobot_session"
_REQUEST_ATTR = "_aristobot_web_session"


def current_session(handler: RequestHandler) -> WebSession | None:
    """Return the live login session of this request's cookie (cached on the request)."""
    if hasattr(handler.request, _REQUEST_ATTR):
        cached: WebSession | None = getattr(handler.request, _REQUEST_ATTR)
        return cached
    found: WebSession | None = None
    raw = handler.get_secure_cookie(SESSION_COOKIE, max_age_days=7)
    if raw:
        try:
            rt = runtime_mod.current()
        except RuntimeError:
            return None
        idle = timedelta(hours=rt.settings.session_idle_hours)
        with rt.sessions.begin() as s:
            found = resolve_token(s, raw.decode(errors="replace"), idle=idle)
    setattr(handler.request, _REQUEST_ATTR, found)
    return found


def _ws_token_session_id(handler: RequestHandler) -> int | None:
    """The login-session id in the Bokeh token a websocket presents, if any."""
    from bokeh.util.token import get_token_payload

    proto = handler.request.headers.get("Sec-WebSocket-Protocol", "")
    parts = [p.strip() for p in proto.split(",")]
    if len(parts) != 2 or parts[0] != "bokeh":
        return None
    try:
        info = get_token_payload(parts[1]).get(PAYLOAD_KEY) or {}
        return int(info["id"])
    except Exception:  # a malformed token is simply not bound to anyone
        return None


def request_user(handler: RequestHandler) -> str | None:
    """The Bokeh ``get_user`` hook: the username of a valid login session, or None (→ login).

    Refused on top of a missing/revoked/expired session: a request naming a Bokeh session or
    token in its URL or headers (only tokens the server embedded in the user's own page are
    accepted, over the websocket), and a websocket whose token was issued to another login
    session (a leaked token is useless without its owner's cookie).
    """
    req = handler.request
    if req.headers.get("Bokeh-Session-Id") or any(
        k in (req.arguments or {}) for k in ("bokeh-session-id", "bokeh-token")
    ):
        log.warning("refused a request naming a Bokeh session from %s", req.remote_ip)
        return None
    ws = current_session(handler)
    if ws is None:
        return None
    if req.headers.get("Upgrade", "").lower() == "websocket":
        if _ws_token_session_id(handler) != ws.id:
            log.warning("refused a websocket whose token belongs to another login session")
            return None
    return ws.username


def bokeh_payload(request: Any) -> dict[str, Any]:
    """``process_request`` hook: what the page's Bokeh token says about its login session."""
    ws: WebSession | None = getattr(request, _REQUEST_ATTR, None)
    if ws is None:
        return {}
    return {PAYLOAD_KEY: {"id": ws.id, "user_id": ws.user_id}}
