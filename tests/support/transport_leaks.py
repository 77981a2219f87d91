"""Opt-in pytest plugin: fail the test that leaves an asyncio subprocess transport open.

A subprocess transport still open when its event loop closes is closed later by the garbage
collector, which raises « Event loop is closed » in whatever test runs then (e.g.
``test_repository::test_crud_scoped_by_user``), far from the culprit. This plugin checks
after each test's teardown (its loop closed) and reports the test that left one::

    pytest -p tests.support.transport_leaks tests/integration/engine tests/integration/strategies

Not on by default: scanning ``gc.get_objects()`` after every test costs time.
"""

from __future__ import annotations

import gc
from asyncio import base_subprocess
from collections.abc import Generator
from typing import Any

import pytest


def open_transports_of_closed_loops() -> list[base_subprocess.BaseSubprocessTransport]:
    """Subprocess transports not closed whose event loop is already closed."""
    # type(), not isinstance(): a dead weakref proxy among the objects raises on isinstance.
    return [obj for obj in gc.get_objects()
            if issubclass(type(obj), base_subprocess.BaseSubprocessTransport)
            and not obj._closed and obj._loop is not None and obj._loop.is_closed()]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[
        None, Any, Any]:
    result = yield  # the test's fixtures (its event loop included) are finalized here
    leaks = open_transports_of_closed_loops()
    for transport in leaks:
        # Mark it closed so the garbage collector does not raise in a later, innocent test.
        transport._closed = True
    if leaks:
        described = "; ".join(f"{t!r} {getattr(t._proc, 'args', '')}" for t in leaks)
        raise AssertionError(f"{item.nodeid} left a subprocess transport open after its "
                             f"event loop closed: {described}")
    return result
