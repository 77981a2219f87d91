"""`python -m services.webhooks`: --help needs nothing; without Redis it refuses in French."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARISTOBOT_")}
    env.update({"ARISTOBOT_VAR_DIR": str(tmp_path), "ARISTOBOT_DATABASE_URL":
                "postgresql+psycopg://nobody@127.0.0.1:9/none"})
    return subprocess.run([sys.executable, "-m", "services.webhooks", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_help_and_refusal_without_redis(tmp_path: Path) -> None:
    out = _run("--help", tmp_path=tmp_path)
    assert out.returncode == 0 and "POST /webhooks/<token>" in out.stdout
    assert "--trusted-proxy" in out.stdout
    out = _run(tmp_path=tmp_path)
    assert out.returncode == 2 and "ARISTOBOT_REDIS_URL" in out.stderr
    assert "a besoin de Redis" in out.stderr
