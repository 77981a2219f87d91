"""`aristobot` command: init (migrations + default users), serve (the dashboard), migrate."""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from aristobot.config import Settings, ensure_secret_key, get_settings
from aristobot.errors import AristobotError
from aristobot.logging_setup import configure_logging

log = logging.getLogger(__name__)

DEFAULT_USERS = ("dev", "dac")
APPS_DIR = Path(__file__).resolve().parents[1] / "apps"
AUTH_MODULE = Path(__file__).resolve().parent / "ui" / "auth" / "bokeh_auth_module.py"


def init(settings: Settings) -> list[str]:
    """Apply migrations and create the users dev and dac if missing (the seed's init_aristobot).

    Their password is ``ARISTOBOT_INIT_PASSWORD`` (default ``aristobot-dev``); dev gets a paper
    broker as its default so that a new user can trade at once. Returns the users created.
    """
    from aristobot.accounts.users import create_user, get_user_by_name
    from aristobot.db.engine import make_engine, make_sessionmaker, migrate

    migrate(settings.database_url)
    password = settings.extra.get("ARISTOBOT_INIT_PASSWORD", "aristobot-dev")
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    created = []
    try:
        with sessions.begin() as s:
            for name in DEFAULT_USERS:
                if get_user_by_name(s, name) is None:
                    create_user(s, name, password, max_users=max(settings.max_users, 2))
                    created.append(name)
            dev = get_user_by_name(s, "dev")
            if dev is not None:
                _ensure_paper_broker(s, dev.id, settings)
    finally:
        engine.dispose()
    return created


def _ensure_paper_broker(session: Session, user_id: int, settings: Settings) -> None:
    from aristobot.exchanges.paper_setup import ensure_default_paper_broker

    ensure_default_paper_broker(session, user_id, settings.paper_starting_capital)


def cookie_secret(settings: Settings) -> str:
    """Return ARISTOBOT_COOKIE_SECRET, or derive one from SECRET_KEY (stable across restarts)."""
    if settings.cookie_secret:
        return str(settings.cookie_secret)
    return hashlib.sha256(b"aristobot-cookie:" + ensure_secret_key(settings).encode()).hexdigest()


def serve(settings: Settings, port: int, address: str, extra: list[str]) -> None:
    """Replace this process with `panel serve apps/`, authentication configured."""
    created = init(settings)
    if created:
        print(f"Utilisateurs créés : {', '.join(created)}")
    env = dict(os.environ)
    env["BOKEH_AUTH_MODULE"] = str(AUTH_MODULE)
    env["PANEL_COOKIE_SECRET"] = cookie_secret(settings)
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
        *extra,
    ]
    print(f"Aristobot : http://{host}:{port}/apps", flush=True)
    os.execvpe(args[0], args, env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aristobot", description="Aristobot workbench")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="apply migrations and create the users dev and dac")
    sub.add_parser("migrate", help="apply database migrations")
    p_serve = sub.add_parser("serve", help="start the dashboard (panel serve apps/)")
    p_serve.add_argument("--port", type=int, default=5006)
    p_serve.add_argument("--address", default="127.0.0.1")
    args, extra = parser.parse_known_args(argv)
    try:
        settings = get_settings()
        configure_logging(settings.log_level)
        if args.command == "init":
            created = init(settings)
            print("Utilisateurs créés : " + (", ".join(created) if created else "aucun (déjà là)"))
        elif args.command == "migrate":
            from aristobot.db.engine import migrate

            migrate(settings.database_url)
            print("Base de données à jour.")
        elif args.command == "serve":
            serve(settings, args.port, args.address, extra)
    except AristobotError as e:
        print(f"Erreur : {e.user_message()}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
