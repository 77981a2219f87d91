"""The runtime keeps typed components per slot and the background work pages start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aristobot.bus import InMemoryBus
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.runtime import Runtime, Slot
from aristobot.security import Vault
from tests.support.factories import make_settings

COUNTER: Slot[list[int]] = Slot("counter")


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    url = f"sqlite:///{tmp_path / 'rt.db'}"
    settings = make_settings(tmp_path, url)
    engine = make_engine(url)
    rt = Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine),
                 bus=InMemoryBus(), vault=Vault(str(settings.secret_key)))
    yield rt
    await rt.aclose()


async def test_a_slot_is_built_once_and_can_be_replaced(runtime: Runtime) -> None:
    assert runtime.get(COUNTER) is None
    built: list[int] = []
    first = runtime.provide(COUNTER, lambda: built.append(1) or [1])
    again = runtime.provide(COUNTER, lambda: built.append(2) or [2])
    assert first is again == [1] and built == [1]
    runtime.install(COUNTER, [9])
    assert runtime.get(COUNTER) == [9]
    assert runtime.get(Slot[list[int]]("counter")) is None  # slots are keys, not names


async def test_spawned_work_is_kept_and_its_failure_logged(
        runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    release = asyncio.Event()

    async def work() -> None:
        await release.wait()
        raise ValueError("boom")

    task = runtime.spawn(work(), "markets reload")
    assert task in runtime._tasks  # a strong reference: not collected mid-flight
    release.set()
    with caplog.at_level(logging.ERROR, logger="aristobot.runtime"):
        await asyncio.gather(task, return_exceptions=True)
    assert task not in runtime._tasks
    assert [r.getMessage() for r in caplog.records] == ["background markets reload failed"]
    assert "boom" in caplog.text
