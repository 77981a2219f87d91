"""``aristobot offline`` (``./run.sh --offline``): the whole workbench with no internet.

Starts ``python -m services.replay`` (the offline Binance: synthetic market by default, or a
tape) on a free local port, points every Binance URL at it (the heartbeat's websocket and
REST, the ccxt public instance used for markets, paper prices and backtest candles), then
starts ``aristobot serve``. Ctrl-C (or SIGTERM) stops both.

The offline workbench keeps its own data under ``<var>/offline/<market>/`` (SQLite, in-process
bus): made-up candles never mix with real ones, and a restart resumes the same market.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import IO

from aristobot import messages
from aristobot.config import Settings
from aristobot.errors import ConfigError
from aristobot.ports import check_port_free


def market_dir(settings: Settings, tape: Path | None) -> Path:
    """Return where this offline market keeps its data (one directory per market)."""
    name = "synthetic" if tape is None else "tape-" + re.sub(r"[^A-Za-z0-9_.-]", "_",
                                                             tape.name)
    return settings.var_dir / "offline" / name


def replay_command(settings: Settings, tape: Path | None, speed: str,
                   state: Path) -> list[str]:
    """Return the command line of the offline Binance for these settings."""
    cmd = [sys.executable, "-m", "services.replay", "--port", "0", "--speed", speed,
           "--symbols", ",".join(settings.heartbeat_symbols), "--resume", str(state),
           "--control"]
    if tape is not None:
        cmd += ["--tape", str(tape), "--rebase-now"]
    return cmd


def offline_env(base: Mapping[str, str], replay_url: str, var_dir: Path) -> dict[str, str]:
    """Return ``base`` with every Binance URL on the replay and embedded, separate storage."""
    rest = replay_url.replace("ws://", "http://", 1)
    env = dict(base)
    env.update({
        "ARISTOBOT_BINANCE_WS_URL": replay_url,
        "ARISTOBOT_BINANCE_REST_URL": rest,
        "ARISTOBOT_EXCHANGE_URL_OVERRIDES": f"binance={rest}",
        "ARISTOBOT_VAR_DIR": str(var_dir),
        "ARISTOBOT_DATABASE_URL": "",  # embedded SQLite under var_dir, never production data
        "ARISTOBOT_REDIS_URL": "",
    })
    return env


def _start_replay(cmd: list[str], env: Mapping[str, str],
                  timeout_s: float = 60.0) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = _first_line(proc.stdout, timeout_s)
    if not line.startswith("REPLAY_URL "):
        proc.terminate()
        proc.wait(15)
        raise ConfigError(key="--tape", reason=messages.replay_did_not_start(proc.returncode))
    threading.Thread(target=_copy, args=(proc.stdout,), daemon=True).start()
    return proc, line.split()[1]


def _first_line(stream: IO[str], timeout_s: float) -> str:
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout_s)
    return box[0] if box else ""


def _copy(stream: IO[str]) -> None:
    for line in stream:
        sys.stdout.write(line)
        sys.stdout.flush()


def _stop(*procs: subprocess.Popen[str]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def run_offline(settings: Settings, base_env: Mapping[str, str], *, tape: Path | None,
                speed: str, port: int, address: str, extra: Sequence[str]) -> int:
    """Run the offline Binance and the dashboard until Ctrl-C; return an exit code.

    ``base_env`` is the environment both children inherit (the caller's process environment).
    """
    if tape is not None and not tape.is_file():
        raise ConfigError(key="--tape", reason=messages.file_not_found(tape))
    check_port_free(address, port)  # before the offline Binance starts and prints its URL
    var_dir = market_dir(settings, tape)
    var_dir.mkdir(parents=True, exist_ok=True)
    replay, url = _start_replay(replay_command(settings, tape, speed,
                                               var_dir / "replay.state"), base_env)
    print(messages.offline_binance(url, var_dir), flush=True)
    env = offline_env(dict(base_env), url, var_dir)
    serve = subprocess.Popen([sys.executable, "-m", "aristobot.cli", "serve", "--port",
                              str(port), "--address", address, *extra], env=env, text=True)
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    try:
        while not stopping.is_set() and replay.poll() is None and serve.poll() is None:
            stopping.wait(0.5)  # a supervisor loop: wake on a signal or a child's exit
    finally:
        replay_died = replay.poll() is not None
        _stop(serve, replay)
    if not stopping.is_set():
        print(messages.offline_stopped(replay_died), file=sys.stderr)
        return 1
    return 0

