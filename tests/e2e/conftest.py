"""E2E harness: the real `aristobot serve` (→ `panel serve apps/`) driven by headless Chromium.

``served_app(env)`` starts a server on a free port with a fresh var dir (SQLite, in-process bus)
and returns a ``ServedApp``; ``new_page()`` opens a browser tab; ``login`` signs in;
``screenshot`` saves under ``test-artifacts/``. Nothing here reaches the internet: Binance URLs
point at a closed local port unless a test passes its own replay/fake server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
INIT_PASSWORD = "e2e-Init-pass-2026"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServedApp:
    base_url: str
    var_dir: Path
    database_url: str
    env: dict[str, str]
    proc: subprocess.Popen[bytes]
    log_path: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def app_url(self) -> str:
        return self.base_url + "/apps"

    def page_url(self, key: str) -> str:
        return f"{self.app_url}?page={key}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _wait_ready(app: ServedApp, timeout: float = 240.0) -> None:
    # generous: on a loaded 2-core machine the first import of panel alone can take a minute
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.proc.poll() is not None:
            raise RuntimeError(f"server exited early:\n{app.log()}")
        try:
            with urllib.request.urlopen(app.base_url + "/login", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling a starting server, not a timing assertion
    raise RuntimeError(f"server not ready after {timeout}s:\n{app.log()}")


def start_served_app(tmp_path: Path, index: int, env: dict[str, str] | None = None,
                     args: list[str] | None = None) -> ServedApp:
    """Start `aristobot serve` on a free port with a fresh var dir under ``tmp_path``.

    ``args`` go to `panel serve` (e.g. ``["--unused-session-lifetime", "1000"]``).
    """
    port = free_port()
    var_dir = tmp_path / f"var{index}"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ARISTOBOT_")}
    full_env.update(
        {
            "ARISTOBOT_VAR_DIR": str(var_dir),
            "ARISTOBOT_BINANCE_WS_URL": "ws://127.0.0.1:9",
            "ARISTOBOT_BINANCE_REST_URL": "http://127.0.0.1:9",
            "ARISTOBOT_INIT_PASSWORD": INIT_PASSWORD,
            "DEBUG_ARISTOBOT": "False",
            "ARISTOBOT_STRATEGY_WORKERS": "1",  # a 2-core CI machine runs these servers
            "PYTHONUNBUFFERED": "1",
        }
    )
    full_env.update(env or {})
    log_path = tmp_path / f"server{index}.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "aristobot.cli", "serve", "--port", str(port), *(args or [])],
        cwd=tmp_path,
        env=full_env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )
    app = ServedApp(
        base_url=f"http://127.0.0.1:{port}",
        var_dir=var_dir,
        database_url=f"sqlite:///{var_dir}/aristobot.db",
        env=full_env,
        proc=proc,
        log_path=log_path,
    )
    try:
        _wait_ready(app)
    except BaseException:
        app.stop()
        raise
    return app


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


def _failed(request: pytest.FixtureRequest) -> bool:
    return request.node.stash.get(_FAILED, False)


@pytest.fixture
def served_app(tmp_path: Path,
               request: pytest.FixtureRequest) -> Iterator[Callable[..., ServedApp]]:
    """Factory: ``served_app(env={...})`` starts a fresh workbench and returns it."""
    started: list[ServedApp] = []

    def start(env: dict[str, str] | None = None, args: list[str] | None = None) -> ServedApp:
        app = start_served_app(tmp_path, len(started), env, args)
        started.append(app)
        return app

    yield start
    for app in started:
        app.stop()
        if _failed(request):  # the server's side of a failed test, in the report
            print(f"--- server log ({app.base_url}), last 6000 characters ---")
            print(app.log()[-6000:])


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Chromium for one test (playwright's loop stops with it)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (apt-get install -y chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Factory of fresh browser pages (own cookies), 1440x900, French locale."""
    contexts: list[Any] = []

    def make(timezone_id: str = "Europe/Paris") -> Any:
        ctx = browser.new_context(
            viewport={"width": 1440, "height": 900}, locale="fr-FR", timezone_id=timezone_id
        )
        ctx.set_default_timeout(30_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for i, ctx in enumerate(contexts):
        if _failed(request):  # what the browser showed when the test failed
            for j, page in enumerate(ctx.pages):
                with contextlib.suppress(Exception):
                    screenshot(page, f"FAILED-{request.node.name}-{i}-{j}")
        ctx.close()


def login(
    page: Any,
    base_url: str,
    username: str = "dev",
    password: str = INIT_PASSWORD,
    next_page: str | None = None,
) -> None:
    """Sign in through the real login form and wait for the shell."""
    target = "/apps" + (f"?page={next_page}" if next_page else "")
    page.goto(base_url + target)
    page.wait_for_selector("#login-form")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-button")
    page.wait_for_selector("#logout")


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
