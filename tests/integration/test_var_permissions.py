"""Files under var/ (SQLite database, its -wal/-shm, the secret key) are readable by their
owner only: a worker or another local account must not read password hashes or the key."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

from sqlalchemy import text

from aristobot.config import Settings
from aristobot.runtime import build_runtime


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _use_database(settings: Settings) -> None:
    runtime = build_runtime(settings)
    try:
        with runtime.sessions.begin() as s:  # a write: SQLite opens its -wal and -shm files
            s.execute(text("create table if not exists probe (v integer)"))
            s.execute(text("insert into probe values (1)"))
        db = settings.var_dir / "aristobot.db"
        files = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), settings.var_dir / "secret_key"]
        assert all(f.exists() for f in files), [f for f in files if not f.exists()]
        assert {str(f.name): _mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        asyncio.run(runtime.aclose())


def test_new_var_files_are_0600(tmp_path: Path) -> None:
    settings = Settings.from_env({}, root=tmp_path)
    _use_database(settings)
    assert _mode(settings.var_dir) == 0o700


def test_existing_var_files_fixed_at_start(tmp_path: Path) -> None:
    settings = Settings.from_env({}, root=tmp_path)
    _use_database(settings)
    for f in settings.var_dir.iterdir():
        f.chmod(0o644)  # as created by earlier versions
    _use_database(settings)
