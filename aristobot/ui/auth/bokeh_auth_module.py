"""Bokeh auth module, passed as BOKEH_AUTH_MODULE to `panel serve apps/` by `aristobot serve`."""

from __future__ import annotations

from typing import Any

from aristobot.ui.auth.handlers import LoginHandler, LogoutHandler, current_username

login_url = "/login"
logout_url = "/logout"

__all__ = ["LoginHandler", "LogoutHandler", "get_user", "login_url", "logout_url"]


def get_user(request_handler: Any) -> str | None:
    return current_username(request_handler)
