"""Every research notebook (jupytext percent ``.py``) executes top to bottom, offline.

The kernel's workbench is a throw-away var dir whose Binance is the local replay
(``python -m services.replay``), exactly as ``./run.sh --offline`` points it: the notebooks'
``research.candles(...)`` fetch their candles from it, never from the internet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.replay import synthetic_replay_rest_url

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))


@pytest.fixture(scope="module")
def replay_rest_url() -> Iterator[str]:
    with synthetic_replay_rest_url() as url:
        yield url


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path, replay_rest_url: str,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    import jupytext
    import nbclient

    monkeypatch.setenv("ARISTOBOT_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ARISTOBOT_DATABASE_URL", "")
    monkeypatch.setenv("ARISTOBOT_REDIS_URL", "")
    monkeypatch.setenv("ARISTOBOT_EXCHANGE_URL_OVERRIDES", f"binance={replay_rest_url}")
    monkeypatch.setenv("ARISTOBOT_DASK_SCHEDULER", "")  # a LocalCluster
    nb = jupytext.read(path)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()  # raises CellExecutionError with the failing cell's traceback
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
