"""The local replay (``python -m services.replay --synthetic``) as a throw-away process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def synthetic_replay_rest_url() -> Iterator[str]:
    """Start a synthetic replay on a free port; yield its REST URL; stop it (even on error)."""
    proc = subprocess.Popen([sys.executable, "-m", "services.replay", "--synthetic", "--port",
                             "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("REPLAY_URL "), line
        yield line.split()[1].replace("ws://", "http://", 1)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
