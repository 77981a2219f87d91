"""Worker jobs for the pool's tests (run INSIDE a worker through ``StrategyPool.run_job``).

A test pool preloads this module before the sandbox closes the disk and admits it with
``job_modules=("aristobot.", "tests.support.")``; see ``TEST_POOL_OPTIONS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aristobot.errors import JobFailed
from aristobot.strategies.job_results import FreeForm, job_result

#: Keyword arguments that let a ``StrategyPool`` run the jobs of this module.
TEST_POOL_OPTIONS: dict[str, Any] = {
    "preload": ("tests.support.jobs",),
    "job_modules": ("aristobot.", "tests.support.jobs"),
}
PROBE = "tests.support.jobs:probe"


@job_result(FreeForm())
def probe(steps: int = 10, step_s: float = 0.0, fail_at: int | None = None, *,
          report_progress: Callable[[float], None]) -> dict[str, Any]:
    """Count ``steps`` steps (sleeping ``step_s`` each), reporting progress; fail on request."""
    for i in range(steps):
        if fail_at is not None and i == fail_at:
            raise JobFailed(reason=f"échec demandé à l'étape {i}")
        if step_s:
            time.sleep(step_s)
        report_progress((i + 1) / steps)
    return {"steps": steps, "pid_hidden": True}
