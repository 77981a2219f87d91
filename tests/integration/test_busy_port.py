"""A second `aristobot serve` (./run.sh) on a busy port fails in French before any URL."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from aristobot.errors import PortInUse
from aristobot.ports import check_port_free


def _listening() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def test_a_listening_port_is_refused_and_a_free_one_accepted() -> None:
    with _listening() as busy:
        port = busy.getsockname()[1]
        with pytest.raises(PortInUse) as e:
            check_port_free("127.0.0.1", port)
        assert f"Le port {port} est déjà utilisé" in e.value.user_message()
    check_port_free("127.0.0.1", port)  # closed again: free


def test_serve_on_a_busy_port_prints_no_url_and_exits_in_french(tmp_path: Path) -> None:
    with _listening() as busy:
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "aristobot.cli", "serve", "--port", str(port)],
            capture_output=True, text=True, timeout=120,
            env={"ARISTOBOT_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin",
                 "ARISTOBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"})
    assert done.returncode == 2
    assert "http" not in done.stdout + done.stderr and "Cannot start" not in done.stderr
    assert f"Le port {port} est déjà utilisé" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "a.db").exists()  # nothing was started or created
