from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aristobot.backtest.candle_loader import missing_ranges

M = 60_000


def test_nothing_stored_is_one_range_aligned() -> None:
    assert missing_ranges(np.array([], np.int64), 10, 5 * M + 7, M) == [(M, 5 * M)]


def test_everything_stored_is_no_range() -> None:
    stored = np.arange(0, 10 * M, M)
    assert missing_ranges(stored, 0, 10 * M, M) == []


def test_holes_at_start_middle_and_end() -> None:
    stored = np.array([2, 3, 6, 7]) * M
    assert missing_ranges(stored, 0, 10 * M, M) == [(0, 2 * M), (4 * M, 6 * M), (8 * M, 10 * M)]


def test_empty_or_inverted_window() -> None:
    assert missing_ranges(np.array([], np.int64), 5 * M, 5 * M, M) == []
    assert missing_ranges(np.array([], np.int64), 5 * M + 1, 5 * M + 2, M) == []


@settings(deadline=None)  # CI is a loaded 2-core machine: no per-example deadline
@given(st.sets(st.integers(0, 199), max_size=200), st.integers(0, 100), st.integers(100, 200))
def test_ranges_are_exactly_the_complement(stored: set[int], a: int, b: int) -> None:
    arr = np.array(sorted(stored), np.int64) * M
    gaps = missing_ranges(arr, a * M, b * M, M)
    covered = {t // M for lo, hi in gaps for t in range(lo, hi, M)}
    assert covered == set(range(a, b)) - stored
    assert all(lo < hi for lo, hi in gaps)
