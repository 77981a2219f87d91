"""The worker pool against misbehaving strategies: each is stopped and reported, others go on."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from aristobot.core.strategy_api import Action, decide
from aristobot.core.strategy_loader import load_strategy
from aristobot.core.strategy_validator import REQUIRED_METHODS
from aristobot.errors import JobCancelled, JobFailed, StrategyTimeout
from aristobot.strategies import EMA_CROSS_EXAMPLE, StrategyPool
from aristobot.strategies.samples import sample_candles
from tests.support.jobs import PROBE, TEST_POOL_OPTIONS

pytestmark = pytest.mark.asyncio(loop_scope="module")
CANDLES = sample_candles(500)


def hostile(body: str) -> str:
    """A strategy whose should_long runs ``body``; os is reached WITHOUT an import statement
    the validator would refuse (pandas.io.common imports os), as an attacker would."""
    others = [m for m in REQUIRED_METHODS if m != "should_long"]
    methods = "".join(f"    def {m}(self):\n        return 0\n" for m in others)
    lines = "".join(f"        {line}\n" for line in body.splitlines())
    return ("import pandas.io.common as c\nos = c.os\n\nclass Hostile(Strategy):\n" + methods
            + "    def should_long(self):\n" + lines)


@pytest.fixture(scope="module")
def secret_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("var") / "aristobot.db"
    with sqlite3.connect(path) as db:
        db.execute("create table secrets (v text)")
        db.execute("insert into secrets values ('top-secret-row')")
    return path


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def pool(secret_db: Path) -> AsyncIterator[StrategyPool]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARISTOBOT_SECRET_KEY", "the-secret-key")
        mp.setenv("ARISTOBOT_DATABASE_URL", f"sqlite:///{secret_db}")
        p = StrategyPool(2, memory_mb=768, call_timeout_s=2.0,
                         secret_paths=(secret_db.parent, secret_db), **TEST_POOL_OPTIONS)
        await p.start(owner=1)
    yield p
    await p.aclose()


async def test_sandbox_is_enforced(pool: StrategyPool) -> None:
    status = pool.sandbox_status
    assert status is not None and status.filesystem and status.network and status.signals
    assert status.memory_mb == 768


async def test_ema_example_decides(pool: StrategyPool) -> None:
    """The worker gives exactly the in-process decision: an entry on the bar the fast EMA
    crosses above the slow one (the 392nd sample candle), nothing on the bar before."""
    cls = load_strategy(EMA_CROSS_EXAMPLE)
    for bars, action in ((392, Action.ENTER_LONG), (391, Action.NONE)):
        candles = sample_candles(800).iloc[:bars]
        expected = decide(cls, candles, 1000.0, None)
        assert expected.action is action  # the sample data still has its cross there
        assert await pool.decide(EMA_CROSS_EXAMPLE, candles, 1000.0, None, owner=1) == expected


async def test_exception_reported_with_user_line(pool: StrategyPool) -> None:
    code = hostile("x = 1\nreturn x / 0")
    d = await pool.decide(code, CANDLES, 1000.0, None, owner=1)
    line = code.splitlines().index("        return x / 0") + 1
    assert d.action is Action.ERROR
    expected = f"Erreur dans la stratégie — Ligne {line} : ZeroDivisionError : division by zero"
    assert d.error == expected


async def test_environment_holds_no_secret(pool: StrategyPool) -> None:
    d = await pool.decide(hostile("raise ValueError(sorted(os.environ))"), CANDLES, 1.0, None,
                          owner=1)
    assert d.action is Action.ERROR and "PATH" in (d.error or "")
    assert "ARISTOBOT" not in (d.error or "") and "the-secret-key" not in (d.error or "")


@pytest.mark.parametrize("target", ["db", "dir", "parent_environ", "etc_shadow"])
async def test_files_out_of_reach(pool: StrategyPool, secret_db: Path, target: str) -> None:
    path = {"db": secret_db, "dir": secret_db.parent, "parent_environ": "/proc/{ppid}/environ",
            "etc_shadow": "/etc/shadow"}[target]
    body = f"p = {str(path)!r}.format(ppid=os.getppid())\n"
    read = "os.listdir(p)" if target == "dir" else "os.open(p, os.O_RDONLY)"
    body += f"return bool({read})"
    d = await pool.decide(hostile(body), CANDLES, 1.0, None, owner=1)
    # Landlock refuses it, or the worker's mount namespace does not even hold it.
    assert d.action is Action.ERROR, d.error
    assert "PermissionError" in (d.error or "") or "FileNotFoundError" in (d.error or ""), d.error


async def test_network_connect_refused(pool: StrategyPool) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        # importlib is always loaded: the static checks are a guide, the sandbox the wall.
        body = ("socket = os.sys.modules['importlib'].import_module('socket')\n"
                f"socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
                "return False")
        d = await pool.decide(hostile(body), CANDLES, 1.0, None, owner=1)
    finally:
        server.close()
    assert d.action is Action.ERROR
    assert "Permission denied" in (d.error or "") or "PermissionError" in (d.error or ""), d.error


async def test_cannot_signal_the_parent(pool: StrategyPool) -> None:
    d = await pool.decide(hostile("os.kill(os.getppid(), 0)\nreturn False"), CANDLES, 1.0, None,
                          owner=1)
    assert d.action is Action.ERROR and "PermissionError" in (d.error or "")


async def test_infinite_loop_stopped_others_carry_on(pool: StrategyPool) -> None:
    before = pool.replaced
    looping = pool.decide(hostile("while True:\n    pass"), CANDLES, 1.0, None, owner=1)
    good = [pool.decide(EMA_CROSS_EXAMPLE, CANDLES, 1000.0, None, owner=1) for _ in range(5)]
    results = await asyncio.gather(looping, *good)
    assert results[0].action is Action.ERROR and "Temps dépassé" in (results[0].error or "")
    assert all(r.error is None for r in results[1:])
    assert pool.replaced == before + 1


async def test_unbounded_allocation_stopped(pool: StrategyPool) -> None:
    # Address space taken without being written: the limit under test (RLIMIT_AS) is reached
    # at once. Writing 768 MB (bytearray) is CPU work that, on a busy machine, lost the race
    # against the 2-s wall-clock time-out and turned the answer into « Temps dépassé ».
    body = "import numpy as np\nx = []\nwhile True:\n    x.append(np.empty(10 ** 7, np.uint8))"
    d = await pool.decide(hostile(body), CANDLES, 1.0, None, owner=1)
    assert d.action is Action.ERROR and "Mémoire dépassée" in (d.error or "")
    assert "768 Mo" in (d.error or "")
    assert (await pool.decide(EMA_CROSS_EXAMPLE, CANDLES, 1000.0, None, owner=1)).error is None


async def test_os_exit_reported_and_replaced(
        pool: StrategyPool, caplog: pytest.LogCaptureFixture) -> None:
    before = pool.replaced
    d = await pool.decide(hostile("os._exit(7)"), CANDLES, 1.0, None,
                          owner=1)
    # the user reads French without the technical cause; the exit code goes to the log
    assert d.action is Action.ERROR and "arrêté brutalement" in (d.error or "")
    assert "exit 7" in caplog.text
    assert pool.replaced == before + 1
    assert (await pool.decide(EMA_CROSS_EXAMPLE, CANDLES, 1000.0, None, owner=1)).error is None


async def test_print_does_not_break_protocol(pool: StrategyPool) -> None:
    d = await pool.decide(hostile("print('x' * 100000)\nreturn False"), CANDLES, 1.0, None,
                          owner=1)
    assert d.action is Action.NONE


async def test_code_cached_per_worker(pool: StrategyPool) -> None:
    code = hostile("import collections\nraise ValueError(collections.__name__)")
    code = code.replace("os = c.os\n", "os = c.os\nimport collections\n"
                        "collections.EXECS = getattr(collections, 'EXECS', 0) + 1\n")
    code = code.replace("raise ValueError(collections.__name__)",
                        "raise ValueError(f'execs={collections.EXECS}')")
    errors = [(await pool.decide(code, CANDLES, 1.0, None, owner=1)).error for _ in range(6)]
    assert all(e and e.endswith("execs=1") for e in errors), errors


async def test_parallel_decisions(pool: StrategyPool) -> None:
    results = await asyncio.gather(
        *(pool.decide(EMA_CROSS_EXAMPLE, CANDLES, 1000.0, None, owner=1) for _ in range(20)))
    assert all(r.error is None for r in results)


async def test_job_progress_and_result(pool: StrategyPool) -> None:
    seen: list[float] = []
    result = await pool.run_job(PROBE, {"steps": 5}, owner=1,
                                timeout_s=10, progress=seen.append)
    assert result == {"steps": 5, "pid_hidden": True}
    assert seen == sorted(seen) and seen[-1] == 1.0


async def test_job_error_keeps_french_message(pool: StrategyPool) -> None:
    with pytest.raises(JobFailed) as e:
        await pool.run_job(PROBE, {"steps": 5, "fail_at": 2}, owner=1,
                           timeout_s=10)
    assert e.value.user_message() == "échec demandé à l'étape 2"


async def test_job_cancel_kills_worker(pool: StrategyPool) -> None:
    cancel = asyncio.Event()
    seen: list[float] = []

    def on_progress(f: float) -> None:
        seen.append(f)
        if f >= 0.02:
            cancel.set()

    before = pool.replaced
    with pytest.raises(JobCancelled):
        await pool.run_job(PROBE, {"steps": 1000, "step_s": 0.01}, owner=1,
                           timeout_s=60, progress=on_progress, cancel=cancel)
    assert pool.replaced == before + 1 and seen


async def test_job_timeout(pool: StrategyPool) -> None:
    with pytest.raises(StrategyTimeout):
        await pool.run_job(PROBE, {"steps": 100, "step_s": 0.05}, owner=1,
                           timeout_s=0.5)


async def test_job_must_live_in_aristobot(pool: StrategyPool) -> None:
    with pytest.raises(JobFailed):
        await pool.run_job("os:system", {"command": "true"}, owner=1, timeout_s=5)


async def test_check_reports_runtime_error_line(pool: StrategyPool) -> None:
    from aristobot.strategies.service import test_code

    code = EMA_CROSS_EXAMPLE.replace('["close"], length=20', '["clos"], length=20')
    report = await test_code(pool, code, owner=1)
    line = next(i for i, text in enumerate(code.splitlines(), 1) if '"clos"' in text)
    assert not report.ok and report.issues[0].line == line and "KeyError" in report.summary()
    ok = await test_code(pool, EMA_CROSS_EXAMPLE, owner=1)
    assert ok.ok and any("should_long" in n for n in ok.notes)
