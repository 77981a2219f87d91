from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aristobot.backtest.absent_ranges import AbsentRanges

K = ("binance", "BTC/USDT", "1m")


def test_adjacent_and_overlapping_ranges_merge() -> None:
    a = AbsentRanges()
    a.add(K, 10, 20)
    a.add(K, 30, 40)
    a.add(K, 20, 25)  # touches the first
    assert a.ranges(K) == [(10, 25), (30, 40)]
    a.add(K, 24, 31)  # bridges both
    assert a.ranges(K) == [(10, 40)]
    a.add(K, 5, 5)  # empty: ignored
    assert a.ranges(K) == [(10, 40)]
    assert a.ranges(("binance", "BTC/USDT", "5m")) == []  # keyed by timeframe too


def test_subtract_keeps_only_what_is_worth_fetching() -> None:
    a = AbsentRanges()
    a.add(K, 10, 20)
    a.add(K, 30, 40)
    assert a.subtract(K, [(0, 50)]) == [(0, 10), (20, 30), (40, 50)]
    assert a.subtract(K, [(12, 18), (35, 45)]) == [(40, 45)]
    assert a.subtract(("other", "X/Y", "1m"), [(0, 5)]) == [(0, 5)]


def test_bounded_number_of_keys() -> None:
    a = AbsentRanges(max_keys=2)
    for i in range(3):
        a.add(("ex", f"S{i}/USDT", "1m"), 0, 10)
    assert a.ranges(("ex", "S0/USDT", "1m")) == [] and a.ranges(("ex", "S2/USDT", "1m"))


ranges = st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), max_size=8)


@settings(deadline=None)  # CI is a loaded 2-core machine: no per-example deadline
@given(ranges, ranges)
def test_subtract_is_the_set_difference(absent: list[tuple[int, int]],
                                        gaps: list[tuple[int, int]]) -> None:
    a = AbsentRanges()
    for lo, hi in absent:
        a.add(K, lo, hi)
    gaps = [(lo, hi) for lo, hi in gaps if lo < hi]
    known = {t for lo, hi in absent for t in range(lo, hi)}
    want = {t for lo, hi in gaps for t in range(lo, hi)} - known
    out = a.subtract(K, sorted(set(gaps)))
    assert all(lo < hi for lo, hi in out)
    assert {t for lo, hi in out for t in range(lo, hi)} == want
