"""Memory bombs on the reply channel (issue 9, item 3), refused without allocating.

A pool runs in a child process capped at ``CAP`` bytes of address space: the old protocol
turned 50 bytes into 2 GiB (bytearray), a range into ~23 GB on the check path and delivered a
300 MB error text whole; under the cap a regression ends in MemoryError in the child, never
on the machine. Each case must be refused from its header as a French strategy error.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from aristobot.errors import StrategyReplyRejected

ROOT = Path(__file__).resolve().parents[3]
CAP = 1024 * 1024 * 1024


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def test_memory_bombs_refused_under_a_cap() -> None:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, "-c", "from tests.support.reply_bombs import main; main()"],
        cwd=ROOT, env=env, preexec_fn=_cap, capture_output=True, text=True, timeout=600,
        check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    outcomes = json.loads(proc.stdout.strip().splitlines()[-1])
    rejected = StrategyReplyRejected().user_message()
    assert outcomes == {case: rejected for case in outcomes}, outcomes
    assert set(outcomes) == {"bytearray_2g", "range_check", "error_text_300m",
                             "array_1tib_job"}
