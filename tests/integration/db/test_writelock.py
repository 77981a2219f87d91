"""SQLite's cross-process writer lock: held by a write transaction, woken by the kernel."""

from __future__ import annotations

import fcntl
import logging
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from aristobot.db import writelock
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.db.writelock import LOCK_SUFFIX, WAITING_SUFFIX, begin_write

ROOT = Path(__file__).resolve().parents[3]
WRITER = """
import sys
from sqlalchemy import text
from aristobot.db import writelock
from aristobot.db.engine import make_engine
name = sys.argv[2] if len(sys.argv) > 2 else "child"
if name == "yielding":
    writelock.yield_to_others()
engine = make_engine(sys.argv[1])
print("ready", flush=True)
with engine.begin() as c:
    c.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": name})
print("written", flush=True)
"""


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = make_engine(url)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE t (v TEXT)"))
    yield url, engine
    engine.dispose()


def _lock_file(url: str, suffix: str = LOCK_SUFFIX) -> Path:
    return Path(url.split("///", 1)[1] + suffix)


def _writer(url: str, name: str) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", WRITER, url, name], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)},
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    return child


def _until_waiting(path: Path, child: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while not _waiting_on(path, child.pid):  # blocked in the kernel
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)


def _free(url: str) -> bool:
    """Whether another open file could take the writer lock now."""
    fd = os.open(_lock_file(url), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops a lock taken here
    return True


def test_a_write_transaction_holds_the_lock_until_it_ends(db: tuple[str, Engine]) -> None:
    url, engine = db
    assert stat.S_IMODE(_lock_file(url).stat().st_mode) == 0o600
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        s.execute(text("SELECT count(*) FROM t"))
        assert _free(url)  # reading does not take it
        s.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert not _free(url)
    assert _free(url)  # commit gives it back
    with pytest.raises(ZeroDivisionError), sessions.begin() as s:
        s.execute(text("UPDATE t SET v = 'b'"))
        assert not _free(url)
        _ = 1 / 0
    assert _free(url)  # so does a rollback
    with sessions.begin() as s:
        begin_write(s)  # a read-modify-write: the lock before the reads
        assert not _free(url)
        n = s.execute(text("SELECT count(*) FROM t")).scalar_one()
        s.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"n{n}"})
    assert _free(url)
    with sessions() as s:
        assert s.execute(text("SELECT v FROM t ORDER BY rowid")).scalars().all() == ["a", "n1"]


def test_a_thread_holding_the_lock_does_not_wait_for_itself(db: tuple[str, Engine]) -> None:
    url, engine = db
    with engine.connect() as c1, engine.connect() as c2:
        c1.execute(text("INSERT INTO t (v) VALUES ('a')"))
        other = c2.connection.driver_connection
        other.take_writer_lock()  # type: ignore[union-attr]  # returns at once
        assert not other.holds_writer_lock  # type: ignore[union-attr]
        c1.commit()
        c2.execute(text("INSERT INTO t (v) VALUES ('b')"))  # now it takes the lock
        assert other.holds_writer_lock  # type: ignore[union-attr]
        c2.commit()
    assert _free(url)


def _thread_writing_b(engine: Engine) -> tuple[threading.Thread, threading.Event]:
    """Start a thread that writes row 'b' in its own transaction; the event is set once done."""
    done = threading.Event()

    def write_b() -> None:
        with engine.begin() as c:
            c.execute(text("INSERT INTO t (v) VALUES ('b')"))
        done.set()

    thread = threading.Thread(target=write_b)
    thread.start()
    return thread, done


def _assert_a_then_b(url: str, engine: Engine, thread: threading.Thread,
                     done: threading.Event) -> None:
    thread.join(60)
    assert done.is_set()
    with engine.connect() as c:
        assert c.execute(text("SELECT v FROM t ORDER BY rowid")).scalars().all() == ["a", "b"]
    assert _free(url)


def test_a_thread_waits_for_another_thread_then_is_woken(db: tuple[str, Engine]) -> None:
    url, engine = db
    with engine.connect() as c1:
        c1.execute(text("INSERT INTO t (v) VALUES ('a')"))
        other, done = _thread_writing_b(engine)
        assert not done.wait(0.2)  # b waits for a's transaction (not a timing claim: a holds it)
        c1.commit()
    _assert_a_then_b(url, engine, other, done)


def test_a_thread_never_waits_for_ever_on_another_of_its_process(
        db: tuple[str, Engine], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    # A transaction left open while its thread waits for this very writer would hang both for
    # ever on the lock file: the gate gives up and SQLite's busy handler takes over.
    url, engine = db
    monkeypatch.setattr(writelock, "GATE_TIMEOUT_S", 0.2)
    caplog.set_level(logging.WARNING, logger=writelock.__name__)
    with engine.connect() as c1:
        c1.execute(text("INSERT INTO t (v) VALUES ('a')"))
        other, done = _thread_writing_b(engine)
        deadline = time.monotonic() + 60
        while "busy handler" not in caplog.text:  # b gave up the gate, SQLite's handler waits
            assert time.monotonic() < deadline and not done.is_set()
            time.sleep(0.01)
        c1.commit()
    _assert_a_then_b(url, engine, other, done)


def _waiting_on(path: Path, pid: int) -> bool:
    """/proc/locks lists ``pid`` as blocked (``->``) on ``path``'s lock."""
    inode = path.stat().st_ino
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields and str(pid) in fields and any(
                f.endswith(f":{inode}") for f in fields):
            return True
    return False


def test_a_writer_in_another_process_waits_then_is_woken(db: tuple[str, Engine]) -> None:
    url, engine = db
    with engine.connect() as c:
        c.execute(text("INSERT INTO t (v) VALUES ('parent')"))  # holds the lock
        child = _writer(url, "child")
        try:
            _until_waiting(_lock_file(url), child)
            c.commit()  # the child is woken and writes
            out, _ = child.communicate(timeout=120)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert child.returncode == 0 and out.strip() == "written"
    with engine.connect() as c:
        assert c.execute(text("SELECT v FROM t ORDER BY rowid")).scalars().all() == [
            "parent", "child"]


def test_a_yielding_process_lets_a_waiting_writer_go_first(db: tuple[str, Engine]) -> None:
    """The order process (yielding) never takes the lock back before a waiting receiver."""
    url, engine = db
    children = []
    try:
        with engine.connect() as c:
            c.execute(text("INSERT INTO t (v) VALUES ('parent')"))  # holds the lock
            children.append(_writer(url, "receiver"))
            _until_waiting(_lock_file(url), children[0])
            children.append(_writer(url, "yielding"))  # waits until no writer waits
            _until_waiting(_lock_file(url, WAITING_SUFFIX), children[1])
            c.commit()
        for child in children:
            out, _ = child.communicate(timeout=120)
            assert child.returncode == 0 and out.strip() == "written"
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    with engine.connect() as c:
        assert c.execute(text("SELECT v FROM t ORDER BY rowid")).scalars().all() == [
            "parent", "receiver", "yielding"]
