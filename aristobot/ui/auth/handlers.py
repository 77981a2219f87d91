"""Tornado handlers for login, signup, logout and developer mode (Bokeh auth module hooks).

Authentication is against the ``users`` table (scrypt hashes); a success opens a server-side
login session (``web_sessions``, see session_auth.py). Errors never say whether a username
exists; failures are rate-limited by ``LoginGuard`` (policy in accounts/login_guard.py), with a
signed device cookie that lets the owner in from a known device during a stranger's attack.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any
from zoneinfo import available_timezones

from tornado.web import RequestHandler

from aristobot import runtime as runtime_mod
from aristobot.accounts import debug_mode
from aristobot.accounts.login_guard import LoginGuard
from aristobot.accounts.users import authenticate, create_user, get_user_by_name
from aristobot.accounts.web_sessions import open_session, purge_old_sessions, revoke_token
from aristobot.brokers import ensure_default_paper_broker
from aristobot.errors import AristobotError, AuthError, TooManyAttempts
from aristobot.ui import messages as msg
from aristobot.ui.auth.login_page import render_login_page
from aristobot.ui.auth.session_auth import (
    DEVICE_COOKIE,
    SESSION_COOKIE,
    TZ_COOKIE,
    request_user,
)
from aristobot.ui.auth.web_security import safe_next, security_headers

log = logging.getLogger(__name__)

__all__ = ["TZ_COOKIE", "LoginHandler", "LogoutHandler", "current_username"]

COOKIE_DAYS = 7
DEVICE_DAYS = 365
GUARD = LoginGuard()


def current_username(handler: RequestHandler) -> str | None:
    """Return the logged-in username (valid server-side session), else None."""
    return request_user(handler)


def add_security_headers(handler: RequestHandler) -> None:
    for name, value in security_headers(handler.request.host).items():
        handler.set_header(name, value)


class LoginHandler(RequestHandler):
    """GET shows the form; POST logs in, signs up, or toggles/uses developer mode."""

    def check_xsrf_cookie(self) -> None:  # checked explicitly in post()
        return None

    def set_default_headers(self) -> None:
        add_security_headers(self)

    def _render(self, status: int = 200, **kw: Any) -> None:
        rt = runtime_mod.current()
        with rt.sessions() as s:
            active = rt.settings.debug_aristobot and debug_mode.is_debug_active(s)
        self.set_status(status)
        self.set_header("Cache-Control", "no-store")
        self.write(
            render_login_page(
                xsrf_form_html=self.xsrf_form_html(),
                next_url=safe_next(self.get_argument("next", "/")),
                debug_allowed=rt.settings.debug_aristobot,
                debug_active=active,
                **kw,
            )
        )

    def get(self) -> None:
        try:
            runtime_mod.current()
        except RuntimeError:
            self.set_status(503)
            self.write(msg.STARTING)
            return
        info = msg.LOGGED_OUT if self.get_argument("logged_out", "") else ""
        self._render(info=info, auto_login=not info)

    def post(self) -> None:
        super().check_xsrf_cookie()
        action = self.get_argument("action", "login")
        handler = {
            "login": self._login,
            "signup": self._signup,
            "debug_toggle": self._debug_toggle,
            "debug_login": self._debug_login,
        }.get(action)
        if handler is None:
            self._render(400, error=msg.UNKNOWN_ACTION)
            return
        handler()

    def _device_for(self, username: str) -> str | None:
        """The id of this browser's device cookie when it was issued to ``username``."""
        raw = self.get_secure_cookie(DEVICE_COOKIE, max_age_days=DEVICE_DAYS)
        if not raw:
            return None
        device, _, owner = raw.decode(errors="replace").partition(":")
        return device if device and owner.lower() == username.strip().lower() else None

    def _login(self) -> None:
        rt = runtime_mod.current()
        username = self.get_argument("username", "").strip()
        password = self.get_argument("password", "")
        who = {"ip": self.request.remote_ip or "?", "username": username,
               "device": self._device_for(username)}
        try:
            GUARD.check(**who)
            with rt.sessions() as s:
                user = authenticate(s, username, password)
        except TooManyAttempts as e:
            self._render(429, error=e.user_message(), username=username)
            return
        except AuthError as e:
            GUARD.failed(**who)
            log.info("login failed for a user from %s", self.request.remote_ip)
            self._render(401, error=e.user_message(), username=username)
            return
        GUARD.succeeded(**who)
        if who["device"] is None:
            self.set_secure_cookie(
                DEVICE_COOKIE, f"{secrets.token_urlsafe(16)}:{user.username}",
                expires_days=DEVICE_DAYS, httponly=True, samesite="Lax",
                secure=self.request.protocol == "https",
            )
        self._open_session(user.id)

    def _signup(self) -> None:
        rt = runtime_mod.current()
        username = self.get_argument("username", "").strip()
        password = self.get_argument("password", "")
        if password != self.get_argument("password2", ""):
            self._render(400, signup_error=msg.PASSWORDS_DIFFER,
                         signup_username=username)
            return
        try:
            GUARD.signup_attempt(ip=self.request.remote_ip or "?")
            with rt.sessions.begin() as s:
                user = create_user(s, username, password, max_users=rt.settings.max_users)
                # the README's promise: a new user can trade at once, on paper
                ensure_default_paper_broker(s, user.id, rt.settings.paper_starting_capital)
        except AristobotError as e:
            self._render(400, signup_error=e.user_message(), signup_username=username)
            return
        log.info("user %s created", user.username)
        self._open_session(user.id)

    def _debug_toggle(self) -> None:
        rt = runtime_mod.current()
        if not rt.settings.debug_aristobot:
            self._render(403, error=msg.DEV_MODE_OFF_SETTING)
            return
        with rt.sessions.begin() as s:
            now_active = not debug_mode.is_debug_active(s)
            debug_mode.set_debug_active(s, now_active)
        log.warning("developer mode switched %s", "ON" if now_active else "OFF")
        self._render(
            info=msg.DEV_MODE_ON if now_active else msg.DEV_MODE_OFF,
            auto_login=False,
        )

    def _debug_login(self) -> None:
        rt = runtime_mod.current()
        with rt.sessions() as s:
            allowed = rt.settings.debug_aristobot and debug_mode.is_debug_active(s)
            dev = get_user_by_name(s, debug_mode.DEV_USERNAME)
        if not allowed:
            self._render(403, error=msg.DEV_MODE_INACTIVE)
            return
        if dev is None:
            self._render(400, error=msg.DEV_USER_MISSING)
            return
        self._open_session(dev.id)

    def _open_session(self, user_id: int) -> None:
        rt = runtime_mod.current()
        with rt.sessions.begin() as s:
            purge_old_sessions(s)
            token, _ = open_session(s, user_id)
        self.set_secure_cookie(
            SESSION_COOKIE, token, expires_days=COOKIE_DAYS, httponly=True, samesite="Lax",
            secure=self.request.protocol == "https",
        )
        tz = self.get_argument("tz", "")
        if tz in available_timezones() or tz == "UTC":
            self.set_cookie(TZ_COOKIE, tz, expires_days=365, samesite="Lax")
        self.redirect(safe_next(self.get_argument("next", "/")))


class LogoutHandler(RequestHandler):
    def set_default_headers(self) -> None:
        add_security_headers(self)

    def get(self) -> None:
        raw = self.get_secure_cookie(SESSION_COOKIE, max_age_days=COOKIE_DAYS)
        if raw:
            try:
                rt = runtime_mod.current()
                with rt.sessions.begin() as s:
                    revoke_token(s, raw.decode(errors="replace"))
            except RuntimeError:
                pass
        self.clear_cookie(SESSION_COOKIE)
        self.redirect("/login?logged_out=1")
