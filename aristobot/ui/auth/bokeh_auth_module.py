"""Bokeh auth module, passed as BOKEH_AUTH_MODULE to `panel serve apps/` by `aristobot serve`."""

from __future__ import annotations

from typing import Any

from aristobot.ui.auth.handlers import LoginHandler, LogoutHandler, add_security_headers
from aristobot.ui.auth.session_auth import request_user

login_url = "/login"
logout_url = "/logout"

__all__ = ["LoginHandler", "LogoutHandler", "get_user", "login_url", "logout_url"]


def get_user(request_handler: Any) -> str | None:
    """Bokeh calls this first for every dashboard page and websocket: the security headers of
    the page are set here (Bokeh's handlers have no other hook), then the login session is
    checked (see session_auth.request_user)."""
    if request_handler.request.headers.get("Upgrade", "").lower() != "websocket":
        add_security_headers(request_handler)
    return request_user(request_handler)
