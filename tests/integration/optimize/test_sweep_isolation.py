"""A hostile strategy in a sandboxed sweep cannot reach the calling process, its files or its
secrets: every run happens in a sandboxed strategy worker started by the Dask worker."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from aristobot.backtest.synthetic import synthetic_candles
from aristobot.core.backtest import BacktestParams
from aristobot.optimize import run_sweep
from tests.integration.optimize.conftest import SECRET
from tests.support.hostile import hostile

ATTACK = """hits = []
try:
    fd = os.open({marker!r}, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b'pwned')
    os.close(fd)
    hits.append('wrote')
except OSError:
    pass
try:
    fd = os.open({secret_file!r}, os.O_RDONLY)
    hits.append(os.read(fd, 100).decode())
except OSError:
    pass
try:
    os.kill({caller}, 0)
    hits.append('caller reachable')
except OSError:
    pass
hits.append(os.environ.get('ARISTOBOT_SECRET_KEY', ''))
if any(hits):
    raise RuntimeError('ESCAPED ' + repr(hits))
return False"""


def test_hostile_strategy_in_a_sweep_stays_in_its_sandbox(dask_client: Any,
                                                         tmp_path: Path) -> None:
    marker = tmp_path / "written-by-strategy"
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("file-secret-content")
    code = hostile(ATTACK.format(marker=str(marker), secret_file=str(secret_file),
                                 caller=os.getpid()))
    code = code.replace("class Hostile(Strategy):\n",
                        'class Hostile(Strategy):\n    params = {"x": 1}\n')
    result = run_sweep(code, synthetic_candles(300), [{"x": 1}, {"x": 2}], client=dask_client,
                       backtest=BacktestParams(window=50, check_samples=5),
                       isolation="sandbox", owner=7)
    assert len(result.rows) == 2
    for row in result.rows:
        text = row.error or ""
        assert "ESCAPED" not in text and "file-secret-content" not in text, text
        assert SECRET not in text and "caller reachable" not in text
        assert row.error is None and row.trades == 0
    assert not marker.exists()
    # Control: the same attack unsandboxed (notebook mode) does escape, so the test can fail.
    control = run_sweep(code, synthetic_candles(300), [{"x": 1}], client=dask_client,
                        backtest=BacktestParams(window=50, check_samples=5),
                        isolation="process")
    assert "ESCAPED" in (control.rows[0].error or "") and marker.exists()


def test_in_process_mode_runs_in_the_dask_worker_not_the_caller(dask_client: Any) -> None:
    # The notebook mode: trusted code, run in the Dask worker processes (never the caller).
    code = hostile("raise RuntimeError('pid ' + str(os.getpid()))").replace(
        "class Hostile(Strategy):\n", 'class Hostile(Strategy):\n    params = {"x": 1}\n')
    result = run_sweep(code, synthetic_candles(100), [{"x": 1}], client=dask_client,
                       backtest=BacktestParams(window=50, check_samples=5), isolation="process")
    worker_pids = set(dask_client.run(os.getpid).values())
    error = result.rows[0].error or ""
    assert "pid " in error
    pid = int(error.rsplit("pid ", 1)[1].split()[0].rstrip("."))
    assert pid in worker_pids and pid != os.getpid()
