"""`aristobot` command: init (migrations + default users), serve (the dashboard), migrate,
offline (the dashboard on a local offline Binance)."""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from aristobot import messages
from aristobot.config import Settings, ensure_secret_key, get_settings
from aristobot.errors import AristobotError
from aristobot.logging_setup import configure_logging
from aristobot.ports import check_port_free

log = logging.getLogger(__name__)

DEFAULT_USERS = ("dev", "dac")
APPS_DIR = Path(__file__).resolve().parents[1] / "apps"
WEBHOOK_PLUGIN = "aristobot.webhooks.plugin"
AUTH_MODULE = Path(__file__).resolve().parent / "ui" / "auth" / "bokeh_auth_module.py"


def init(settings: Settings) -> dict[str, str | None]:
    """Apply migrations and create the users dev and dac if missing (the seed's init_aristobot).

    Their password is ``ARISTOBOT_INIT_PASSWORD`` when set; otherwise each gets its own random
    password, returned here (the caller prints it once; it is stored only as a hash). dev gets a
    paper broker as its default so that a new user can trade at once. Returns
    ``{created username: generated password or None when ARISTOBOT_INIT_PASSWORD was used}``.
    """
    from aristobot.accounts.users import create_user, get_user_by_name
    from aristobot.db.engine import make_engine, make_sessionmaker, migrate

    migrate(settings.database_url)
    given = settings.extra.get("ARISTOBOT_INIT_PASSWORD", "") or None
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    created: dict[str, str | None] = {}
    try:
        with sessions.begin() as s:
            for name in DEFAULT_USERS:
                if get_user_by_name(s, name) is None:
                    password = given or secrets.token_urlsafe(12)
                    create_user(s, name, password, max_users=max(settings.max_users, 2))
                    created[name] = None if given else password
            dev = get_user_by_name(s, "dev")
            if dev is not None:
                _ensure_paper_broker(s, dev.id, settings)
            _warn_old_default_password(s)
    finally:
        engine.dispose()
    return created


def _warn_old_default_password(s: Session) -> None:
    """Earlier versions gave dev/dac the published password « aristobot-dev »: say so."""
    from aristobot.accounts.users import authenticate
    from aristobot.errors import AuthError

    for name in DEFAULT_USERS:
        try:
            authenticate(s, name, "aristobot-dev")
        except AuthError:
            continue
        print(messages.old_default_password(name))


def print_created(created: dict[str, str | None]) -> None:
    """Tell how to log in as the users just created (a generated password is shown once)."""
    if not created:
        return
    print(messages.users_created(list(created)))
    for name, password in created.items():
        if password:
            print(messages.generated_password(name, password))
        else:
            print(messages.password_from_environment(name))


def reset_password(settings: Settings, username: str) -> str:
    """Give ``username`` a new random password, revoke all its sessions; return the password."""
    from aristobot.accounts.users import set_password

    password = secrets.token_urlsafe(12)
    with _sessions(settings) as sessions, sessions.begin() as s:
        set_password(s, username, password)
    return password


def revoke_sessions(settings: Settings, username: str) -> int:
    """Revoke every login session of ``username`` (admin); return how many were live."""
    from aristobot.accounts.users import get_user_by_name
    from aristobot.accounts.web_sessions import revoke_user_sessions
    from aristobot.errors import NotFound

    with _sessions(settings) as sessions, sessions.begin() as s:
        user = get_user_by_name(s, username)
        if user is None:
            raise NotFound(what=messages.user(username))
        return revoke_user_sessions(s, user.id)


@contextmanager
def _sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    from aristobot.db.engine import make_engine, make_sessionmaker, migrate

    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def _ensure_paper_broker(session: Session, user_id: int, settings: Settings) -> None:
    from aristobot.brokers.repository import ensure_default_paper_broker

    ensure_default_paper_broker(session, user_id, settings.paper_starting_capital)


def cookie_secret(settings: Settings) -> str:
    """Return ARISTOBOT_COOKIE_SECRET, or derive one from SECRET_KEY (stable across restarts)."""
    if settings.cookie_secret:
        return str(settings.cookie_secret)
    return hashlib.sha256(b"aristobot-cookie:" + ensure_secret_key(settings).encode()).hexdigest()


def bokeh_secret(settings: Settings) -> str:
    """The key Bokeh signs session ids and tokens with (derived from SECRET_KEY, 64 hex chars)."""
    return hashlib.sha256(b"aristobot-bokeh:" + ensure_secret_key(settings).encode()).hexdigest()


def serve(settings: Settings, port: int, address: str, extra: list[str]) -> None:
    """Replace this process with `panel serve apps/`, authentication configured."""
    check_port_free(address, port)
    created = init(settings)
    print_created(created)
    if not created:
        print(messages.LOG_IN_WITH_EXISTING)
    env = dict(os.environ)
    env["BOKEH_AUTH_MODULE"] = str(AUTH_MODULE)
    env["PANEL_COOKIE_SECRET"] = cookie_secret(settings)
    # Signed Bokeh sessions: a session id or token not made by this server is refused.
    env["BOKEH_SECRET_KEY"] = bokeh_secret(settings)
    env["BOKEH_SIGN_SESSIONS"] = "true"
    env.setdefault("ARISTOBOT_VAR_DIR", str(settings.var_dir))
    host = "localhost" if address in ("127.0.0.1", "0.0.0.0") else address
    args = [
        sys.executable,
        "-m",
        "panel",
        "serve",
        str(APPS_DIR),
        "--port",
        str(port),
        "--address",
        address,
        "--allow-websocket-origin",
        f"{host}:{port}",
        "--allow-websocket-origin",
        f"127.0.0.1:{port}",
        "--session-ids",
        "signed",
        # The page's Bokeh token is readable by scripts: keep the login cookie out of it (the
        # user comes from app_hooks.process_request); only the display-timezone cookie goes in.
        "--include-cookies",
        "ab_tz",
        "--exclude-headers",
        "Cookie",
        "--plugins",  # POST /webhooks/<token>: the TradingView receiver (not behind login)
        WEBHOOK_PLUGIN,
        *extra,
    ]
    print(f"Aristobot : http://{host}:{port}/apps", flush=True)
    os.execvpe(args[0], args, env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aristobot", description="Aristobot workbench")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="apply migrations and create the users dev and dac")
    sub.add_parser("migrate", help="apply database migrations")
    p_pw = sub.add_parser("passwd", help="give a user a new random password (printed once)")
    p_pw.add_argument("username")
    p_sess = sub.add_parser("sessions", help="manage login sessions")
    p_sess.add_argument("action", choices=["revoke"])
    p_sess.add_argument("--user", required=True, help="revoke every session of this user")
    p_serve = sub.add_parser("serve", help="start the dashboard (panel serve apps/)")
    p_serve.add_argument("--port", type=int, default=5006)
    p_serve.add_argument("--address", default="127.0.0.1")
    p_off = sub.add_parser(
        "offline", help="start the dashboard on a local offline Binance (no internet)",
        description="Start the offline Binance (services.replay: synthetic market, or --tape) "
        "and the dashboard pointed at it; Ctrl-C stops both. Data: <var>/offline/<market>/.")
    p_off.add_argument("--tape", type=Path, default=None,
                       help="replay this tape (played from now) instead of the synthetic market")
    p_off.add_argument("--speed", default="1", help="market speed: 1 = real time, 60 = 1 min/s")
    p_off.add_argument("--port", type=int, default=5006)
    p_off.add_argument("--address", default="127.0.0.1")
    args, extra = parser.parse_known_args(argv)
    try:
        settings = get_settings()
        configure_logging(settings.log_level)
        if args.command == "init":
            created = init(settings)
            print_created(created)
            if not created:
                print(messages.NO_USER_CREATED)
        elif args.command == "passwd":
            password = reset_password(settings, args.username)
            print(messages.new_password(args.username, password))
        elif args.command == "sessions":
            n = revoke_sessions(settings, args.user)
            print(messages.sessions_revoked(n, args.user))
        elif args.command == "migrate":
            from aristobot.db.engine import migrate

            migrate(settings.database_url)
            print(messages.DATABASE_UP_TO_DATE)
        elif args.command == "serve":
            serve(settings, args.port, args.address, extra)
        elif args.command == "offline":
            from aristobot.offline import run_offline

            return run_offline(settings, dict(os.environ), tape=args.tape, speed=args.speed,
                               port=args.port, address=args.address, extra=extra)
    except AristobotError as e:
        print(messages.error(e.user_message()), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
