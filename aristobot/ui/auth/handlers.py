"""Tornado handlers for login, signup, logout and developer mode (Bokeh auth module hooks).

Authentication is against the ``users`` table (scrypt hashes); the session is the signed
``user`` cookie that Panel reads as ``pn.state.user``. Errors never say whether a username
exists; failures are rate-limited per client address and per username.
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import available_timezones

from tornado.web import RequestHandler

from aristobot import runtime as runtime_mod
from aristobot.accounts import debug_mode
from aristobot.accounts.login_guard import LoginGuard
from aristobot.accounts.users import authenticate, create_user, get_user_by_name
from aristobot.errors import AristobotError, AuthError, TooManyAttempts
from aristobot.ui.auth.login_page import render_login_page

log = logging.getLogger(__name__)

USER_COOKIE = "user"
TZ_COOKIE = "ab_tz"
COOKIE_DAYS = 7
GUARD = LoginGuard()


def _safe_next(url: str | None) -> str:
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    return url


def current_username(handler: RequestHandler) -> str | None:
    """Return the logged-in username from the signed cookie, if the user still exists."""
    raw = handler.get_secure_cookie(USER_COOKIE, max_age_days=COOKIE_DAYS)
    if not raw:
        return None
    username = raw.decode()
    try:
        rt = runtime_mod.current()
    except RuntimeError:
        return None
    with rt.sessions() as s:
        return username if get_user_by_name(s, username) else None


class LoginHandler(RequestHandler):
    """GET shows the form; POST logs in, signs up, or toggles/uses developer mode."""

    def check_xsrf_cookie(self) -> None:  # checked explicitly in post()
        return None

    def _render(self, status: int = 200, **kw: Any) -> None:
        rt = runtime_mod.current()
        with rt.sessions() as s:
            active = rt.settings.debug_aristobot and debug_mode.is_debug_active(s)
        self.set_status(status)
        self.set_header("Cache-Control", "no-store")
        self.write(
            render_login_page(
                xsrf_form_html=self.xsrf_form_html(),
                next_url=_safe_next(self.get_argument("next", "/")),
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
            self.write("Aristobot démarre… rechargez la page dans un instant.")
            return
        info = "Vous êtes déconnecté." if self.get_argument("logged_out", "") else ""
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
            self._render(400, error="Action inconnue.")
            return
        handler()

    def _client_keys(self, username: str) -> tuple[str, str]:
        return f"ip:{self.request.remote_ip}", f"user:{username.lower()}"

    def _login(self) -> None:
        rt = runtime_mod.current()
        username = self.get_argument("username", "").strip()
        password = self.get_argument("password", "")
        keys = self._client_keys(username)
        try:
            GUARD.check(*keys)
            with rt.sessions() as s:
                user = authenticate(s, username, password)
        except TooManyAttempts as e:
            self._render(429, error=e.user_message(), username=username)
            return
        except AuthError as e:
            GUARD.failed(*keys)
            log.info("login failed for a user from %s", self.request.remote_ip)
            self._render(401, error=e.user_message(), username=username)
            return
        GUARD.succeeded(*keys)
        self._open_session(user.username)

    def _signup(self) -> None:
        rt = runtime_mod.current()
        username = self.get_argument("username", "").strip()
        password = self.get_argument("password", "")
        if password != self.get_argument("password2", ""):
            self._render(400, signup_error="Les deux mots de passe ne correspondent pas.")
            return
        try:
            GUARD.check(f"ip:{self.request.remote_ip}")
            with rt.sessions.begin() as s:
                user = create_user(s, username, password, max_users=rt.settings.max_users)
        except AristobotError as e:
            self._render(400, signup_error=e.user_message())
            return
        log.info("user %s created", user.username)
        self._open_session(user.username)

    def _debug_toggle(self) -> None:
        rt = runtime_mod.current()
        if not rt.settings.debug_aristobot:
            self._render(403, error="Le mode développement est désactivé (DEBUG_ARISTOBOT=False).")
            return
        with rt.sessions.begin() as s:
            now_active = not debug_mode.is_debug_active(s)
            debug_mode.set_debug_active(s, now_active)
        log.warning("developer mode switched %s", "ON" if now_active else "OFF")
        self._render(
            info="Mode développement activé." if now_active else "Mode développement désactivé.",
            auto_login=False,
        )

    def _debug_login(self) -> None:
        rt = runtime_mod.current()
        with rt.sessions() as s:
            allowed = rt.settings.debug_aristobot and debug_mode.is_debug_active(s)
            dev = get_user_by_name(s, debug_mode.DEV_USERNAME)
        if not allowed:
            self._render(403, error="Le mode développement n'est pas actif.")
            return
        if dev is None:
            self._render(400, error="L'utilisateur « dev » n'existe pas : lancez `aristobot init`.")
            return
        self._open_session(dev.username)

    def _open_session(self, username: str) -> None:
        self.set_secure_cookie(
            USER_COOKIE, username, expires_days=COOKIE_DAYS, httponly=True, samesite="Lax"
        )
        tz = self.get_argument("tz", "")
        if tz in available_timezones() or tz == "UTC":
            self.set_cookie(TZ_COOKIE, tz, expires_days=365, samesite="Lax")
        self.redirect(_safe_next(self.get_argument("next", "/")))


class LogoutHandler(RequestHandler):
    def get(self) -> None:
        self.clear_cookie(USER_COOKIE)
        self.redirect("/login?logged_out=1")
