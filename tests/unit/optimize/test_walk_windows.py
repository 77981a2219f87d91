"""Walk-forward windows worked out by hand."""

from __future__ import annotations

import pytest

from aristobot.errors import ValidationError
from aristobot.optimize import Window, walk_forward_runs, walk_windows


def test_rolling_windows_by_hand() -> None:
    # N = 100, 4 splits, f = 0.75: oos = floor(25 / 1.75) = 14, first in-sample 100 - 56 = 44.
    assert walk_windows(100, 4, 0.75, "rolling") == [
        Window(0, 44, 58), Window(14, 58, 72), Window(28, 72, 86), Window(42, 86, 100)]


def test_anchored_windows_by_hand() -> None:
    assert walk_windows(100, 4, 0.75, "anchored") == [
        Window(0, 44, 58), Window(0, 58, 72), Window(0, 72, 86), Window(0, 86, 100)]


def test_windows_tile_the_out_of_sample_period() -> None:
    for kind in ("rolling", "anchored"):
        ws = walk_windows(1000, 5, 0.6, kind)
        assert ws[-1].oos_stop == 1000
        for a, b in zip(ws, ws[1:], strict=False):
            assert a.oos_stop == b.oos_start  # consecutive, never overlapping
        for w in ws:
            assert w.is_start < w.is_stop == w.oos_start < w.oos_stop


def test_single_split() -> None:
    # f = 0.5, 1 split: oos = floor(50 / 1.0) = 50.
    assert walk_windows(100, 1, 0.5) == [Window(0, 50, 100)]


@pytest.mark.parametrize("args", [(10, 8, 0.75, "rolling"), (100, 0, 0.75, "rolling"),
                                  (100, 4, 1.0, "rolling"), (100, 4, 0.0, "rolling"),
                                  (100, 4, 0.75, "expanding")])
def test_bad_windows_refused(args: tuple[int, int, float, str]) -> None:
    with pytest.raises(ValidationError):
        walk_windows(*args)


def test_walk_forward_runs_counts_in_and_out_of_sample_backtests() -> None:
    assert walk_forward_runs(2, 4) == 10  # 2 × 4 in sample, then 2 out of sample
    assert walk_forward_runs(1, 1) == 2
