"""The dashboard entry: resolves the user and the page, then builds the shell (fail closed)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import panel as pn

from aristobot import runtime as runtime_mod
from aristobot.accounts.users import User, get_user
from aristobot.accounts.web_sessions import WebSession, session_by_id
from aristobot.core.palette import palette
from aristobot.errors import AristobotError
from aristobot.runtime import Runtime
from aristobot.ui import messages as msg
from aristobot.ui.auth.session_auth import PAYLOAD_KEY, TZ_COOKIE
from aristobot.ui.pages import PageContext, build_page, page_spec
from aristobot.ui.shell import StatusBar, build_template
from aristobot.ui.tables import install_table_defaults
from aristobot.ui.theme import FONT, RADIUS, css_for

log = logging.getLogger(__name__)


def error_page_html(message: str, theme: str = "dark") -> str:
    """The error card in ``theme``'s colours, inlined: it may show before any theme CSS is
    loaded (server not ready, no login session)."""
    p = palette(theme)
    return (
        f'<div style="max-width:640px;margin:80px auto;padding:24px;border:1px solid {p.danger};'
        f'border-radius:{RADIUS};background:{p.surface};color:{p.text};font-family:{FONT}">'
        f'<h2 style="color:{p.danger};margin-top:0">Aristobot</h2><p>{message}</p></div>'
    )


def _error_page(message: str, theme: str = "dark") -> Any:
    return pn.Column(pn.pane.HTML(error_page_html(message, theme), sizing_mode="stretch_width"))


def resolve_timezone(user: User, browser_tz: str | None) -> str:
    """Return the zone to display dates in: the user's choice, « local » = the browser's."""
    if user.display_timezone == "local":
        return browser_tz or "UTC"
    return user.display_timezone


def _arg(name: str) -> str | None:
    values = pn.state.session_args.get(name)
    return values[0].decode() if values else None


def _login_session(
    runtime: Runtime, session_id: int | None, touch: bool = False
) -> WebSession | None:
    if session_id is None:
        return None
    idle = timedelta(hours=runtime.settings.session_idle_hours)
    with runtime.sessions.begin() as s:
        return session_by_id(s, session_id, idle=idle, touch=touch)


def _payload_session_id() -> int | None:
    """The login session named by this Bokeh session's signed token (set at page load)."""
    ctx: Any = pn.state.curdoc.session_context if pn.state.curdoc else None
    try:
        return int(ctx.token_payload[PAYLOAD_KEY]["id"]) if ctx else None
    except (KeyError, TypeError, ValueError):
        return None


def _watch_session(runtime: Runtime, session_id: int, holder: Any, theme: str) -> None:
    """Every few seconds: once the login session is revoked or expired, blank the page.

    While the page is open its session counts as used (idle timeout = no open page and no
    request); the 7-day limit still applies."""

    def check() -> None:
        if _login_session(runtime, session_id, touch=True) is None:
            holder.objects = [_error_page(msg.SESSION_ENDED, theme)]
            cb.stop()

    cb = pn.state.add_periodic_callback(check, period=5000)


def render() -> Any:
    """Build the page for the current Bokeh session and mark it servable."""
    pn.extension("codeeditor", "tabulator", notifications=True)
    try:
        runtime = runtime_mod.current()
    except RuntimeError:
        return _error_page(msg.SERVER_NOT_READY).servable()
    session_id = _payload_session_id()
    if session_id is None:
        # Fail closed: the user comes only from the login session in the signed Bokeh token
        # (never from cookies such as Panel's `user`/`is_guest`); without it, only this error.
        return _error_page(msg.AUTH_NOT_CONFIGURED).servable()
    login = _login_session(runtime, session_id)
    if login is None:
        return _error_page(msg.SESSION_INVALID).servable()
    with runtime.sessions() as s:
        user = get_user(s, login.user_id)
    # raw_css is per session and reaches every component's shadow root.
    pn.config.raw_css.append(css_for(user.theme))
    install_table_defaults()
    spec = page_spec(_arg("page"))
    ctx = PageContext(
        runtime=runtime,
        user=user,
        theme=user.theme,
        timezone=resolve_timezone(user, pn.state.cookies.get(TZ_COOKIE)),
        web_session_id=login.id,
    )
    try:
        content = build_page(spec, ctx)
    except AristobotError as e:
        content = _error_page(e.user_message(), user.theme)
    except Exception:
        # A bug in one page: the user gets a French error page instead of a blank tab and
        # can still reach the others; the trace is in the server log.
        log.exception("page %s failed to build", spec.key)
        content = _error_page(msg.PAGE_FAILED.format(page=spec.label), user.theme)
    holder = pn.Column(content, sizing_mode="stretch_width")
    status = StatusBar(runtime, user.id)
    pn.state.add_periodic_callback(status.refresh, period=1000)
    template = build_template(
        title=f"Aristobot — {spec.label}",
        theme=user.theme,
        page=spec,
        username=user.username,
        status=status,
        content=holder,
    )
    _watch_session(runtime, login.id, holder, user.theme)
    return template.servable()
