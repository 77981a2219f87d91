"""``fork_map``: the same answers as one process, whatever a child does."""

from __future__ import annotations

import os
import select
from collections.abc import Sequence

import pytest

from aristobot.core.backtest import forked

ITEMS = list(range(100))


def square(part: Sequence[int]) -> list[int]:
    return [i * i for i in part]


def test_parts_come_back_in_order_from_every_process() -> None:
    seen: list[str] = []
    assert forked.fork_map(square, ITEMS, lambda: seen.append("here"), workers=3) == \
        [i * i for i in ITEMS]
    assert seen == ["here"] and 1 <= forked.last_processes <= 3


def test_children_take_the_chunks_this_process_is_too_busy_for() -> None:
    parent = os.getpid()
    read, write = os.pipe()

    def work(part: Sequence[int]) -> list[int]:
        if os.getpid() != parent:
            os.write(write, b"x")  # a child computed a chunk
        return square(part)

    def busy() -> None:  # this process is busy until a child has taken work
        ready, _, _ = select.select([read], [], [], 60)
        assert ready

    try:
        assert forked.fork_map(work, ITEMS, busy, workers=3) == [i * i for i in ITEMS]
    finally:
        os.close(read)
        os.close(write)
    assert forked.last_processes >= 2


@pytest.mark.parametrize("fault", ["crash", "hang", "garbage"])
def test_a_failing_child_has_its_part_redone_here(monkeypatch: pytest.MonkeyPatch,
                                                  fault: str) -> None:
    monkeypatch.setattr(forked, "CHILD_GRACE_S", 0.2)
    parent = os.getpid()

    def work(part: Sequence[int]) -> list[int]:
        if os.getpid() != parent:
            if fault == "crash":
                os._exit(3)
            if fault == "hang":
                select.select([], [], [])  # blocks until killed
            return [0] * (len(part) + 1)  # the wrong length
        return square(part)

    assert forked.fork_map(work, ITEMS, workers=2) == [i * i for i in ITEMS]
    assert forked.last_processes == 1


def test_small_work_stays_here() -> None:
    assert forked.fork_map(square, [1, 2, 3], workers=4) == [1, 4, 9]
    assert forked.last_processes == 1


def test_a_pending_call_answers_from_its_child_or_here() -> None:
    parent = os.getpid()
    assert forked.Pending(os.getpid).result() != parent  # computed by the child
    # An answer that fails the check (attacker data) is computed again here.
    assert forked.Pending(os.getpid).result(lambda _: False) == parent
    pending = forked.Pending(lambda: sum(range(10)))
    pending.cancel()  # not wanted any more: the child is stopped and reaped
    pending.cancel()
