"""`python -m services.replay` as a process: --help offline, each --fault flag, --resume."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[3]


@contextmanager
def replay(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen([sys.executable, "-m", "services.replay", "--port", "0", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("REPLAY_URL "), line + proc.stdout.read()
        yield proc, line.split()[1]
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(30)


def test_help_works_offline_and_documents_the_tape() -> None:
    out = subprocess.run([sys.executable, "-m", "services.replay", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "HTTPS_PROXY": "http://127.0.0.1:9",
                              "HTTP_PROXY": "http://127.0.0.1:9"})
    assert out.returncode == 0, out.stderr
    for words in ("<recv_time> <json>", "--fault", "--resume", "serverShutdown", "max"):
        assert words in out.stdout


def test_bad_fault_flag_is_refused() -> None:
    out = subprocess.run([sys.executable, "-m", "services.replay", "--fault", "explode@+1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "unknown fault" in out.stderr


def _frames(url: str, until: Any) -> list[Any]:
    """Read frames until ``until(frames)``; the connection may be dropped (kept as 'DROP')."""
    got: list[Any] = []
    with connect(url + "/ws/btcusdt@trade", open_timeout=30) as ws:
        try:
            while not until(got):
                msg = ws.recv(timeout=30)
                try:
                    got.append((time.monotonic(), orjson.loads(msg)))
                except orjson.JSONDecodeError:
                    got.append((time.monotonic(), msg))
        except ConnectionClosedError:
            got.append((time.monotonic(), "DROP"))
    return got


def _trades(got: list[Any]) -> list[dict[str, Any]]:
    return [m for _, m in got if isinstance(m, dict) and m.get("e") == "trade"]


@pytest.mark.parametrize("flag", ["lose:7@+3", "garbage:2@+3", "shutdown@+3", "drop@+3",
                                  "pause:1.5@+3"])
def test_each_fault_flag(flag: str) -> None:
    # real time, 50 trades/s; the fault fires 3 s after the start: read 5 market seconds
    with replay("--speed", "1", "--rate", "50", "--fault", flag) as (_, url):
        def done(got: list[Any]) -> bool:
            trades = _trades(got)
            return bool(got) and (got[-1][1] == "DROP" or (
                len(trades) > 1 and trades[-1]["T"] >= trades[0]["T"] + 5_000))
        got = _frames(url, done)
    trades = _trades(got)
    ids = [t["t"] for t in trades]
    gaps = [b - a - 1 for a, b in zip(ids, ids[1:], strict=False) if b != a + 1]
    if flag.startswith("lose"):
        assert gaps == [7]
    elif flag.startswith("garbage"):
        assert sum(1 for _, m in got if m == "{not json") == 1 and gaps == []
    elif flag.startswith("shutdown"):
        assert any(isinstance(m, dict) and m.get("e") == "serverShutdown" for _, m in got)
    elif flag.startswith("drop"):
        assert got[-1][1] == "DROP"
    else:  # pause: one silence of at least the pause between two frames, nothing lost
        waits = [b[0] - a[0] for a, b in zip(got, got[1:], strict=False)]
        assert max(waits) >= 1.0 and gaps == []


def test_resume_continues_after_the_last_trade(tmp_path: Path) -> None:
    state = tmp_path / "replay.state"
    with replay("--speed", "max", "--limit", "3000", "--resume", str(state)) as (proc, url):
        first = _trades(_frames(url, lambda g: len(_trades(g)) >= 3000))
        assert proc.wait(30) == 0  # the source is exhausted: it stops and saves
    saved = json.loads(state.read_text())
    assert saved["replay"]["emitted"] == 3000 and saved["source"]["kind"] == "synthetic"
    with replay("--speed", "max", "--limit", "5000", "--resume", str(state)) as (_, url):
        second = _trades(_frames(url, lambda g: len(_trades(g)) >= 2000))
        assert second[0]["t"] == first[-1]["t"] + 1  # where it stopped
        assert [t["t"] for t in second] == list(range(second[0]["t"], second[0]["t"] + 2000))
        import urllib.request

        start = first[0]["T"] - first[0]["T"] % 60_000 + 60_000
        with urllib.request.urlopen(f"{url.replace('ws', 'http')}/api/v3/klines?symbol="
                                    f"BTCUSDT&interval=1m&startTime={start}") as r:
            rows = orjson.loads(r.read())
    volume: dict[int, Decimal] = defaultdict(Decimal)
    for t in first:
        volume[t["T"] - t["T"] % 60_000] += Decimal(t["q"])
    last_full = first[-1]["T"] - first[-1]["T"] % 60_000  # the minute of the last trade
    expected = [(m, v) for m, v in sorted(volume.items()) if start <= m < last_full]
    served = {r[0]: Decimal(r[5]) for r in rows}
    assert expected and all(served[m] == v for m, v in expected)  # run 1's trades are kept
