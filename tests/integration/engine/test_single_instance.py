"""A second engine (or heartbeat) against the same database refuses to start: real processes,
PostgreSQL advisory lock or SQLite file lock, real Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.support.databases import RUN_ID, redis_test_url

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.redis


def _env(tmp_path: Path, db_url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARISTOBOT_")}
    env.update(ARISTOBOT_VAR_DIR=str(tmp_path), ARISTOBOT_DATABASE_URL=db_url,
               ARISTOBOT_REDIS_URL=redis_url, ARISTOBOT_BUS_NAMESPACE=f"t{RUN_ID}lock:",
               ARISTOBOT_SECRET_KEY="test-secret-key-0123456789",
               ARISTOBOT_BINANCE_WS_URL="ws://127.0.0.1:9",
               ARISTOBOT_BINANCE_REST_URL="http://127.0.0.1:9",
               ARISTOBOT_EXCHANGE_URL_OVERRIDES="binance=http://127.0.0.1:9")
    return env


async def _start(service: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", f"services.{service}", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


async def _wait_for_line(proc: asyncio.subprocess.Process, needle: str) -> None:
    assert proc.stderr is not None
    seen = []
    while True:
        line = await asyncio.wait_for(proc.stderr.readline(), 60)
        if not line:
            raise AssertionError(f"process ended before « {needle} »: {seen[-20:]}")
        seen.append(line.decode(errors="replace"))
        if needle in seen[-1]:
            return


async def _drain(proc: asyncio.subprocess.Process) -> None:
    assert proc.stderr is not None
    while await proc.stderr.readline():
        pass


async def _reaped(proc: asyncio.subprocess.Process) -> None:
    # A process left running (a wait that timed out under load) keeps its transport open past
    # the test's event loop; the garbage collector then closes it in a later test, which fails
    # with « Event loop is closed ». Kill and reap it here, on its own loop.
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


@pytest.mark.parametrize("service", ["engine", "heartbeat"])
async def test_a_second_instance_is_refused(service: str, db_url: str, tmp_path: Path) -> None:
    redis_url = redis_test_url()
    if redis_url is None:
        pytest.skip("Redis not configured")
    env = _env(tmp_path, db_url, redis_url)
    first = await _start(service, env)
    drain: asyncio.Task[None] | None = None
    try:
        await _wait_for_line(first, "single-instance lock acquired")
        drain = asyncio.get_running_loop().create_task(_drain(first))  # never block its pipe
        second = await _start(service, env)
        try:
            _, err = await asyncio.wait_for(second.communicate(), 60)
        finally:
            await _reaped(second)
        assert second.returncode == 2
        text = err.decode()
        assert f"Le service {service} tourne déjà" in text
        assert first.returncode is None  # the first one is untouched
    finally:
        if first.returncode is None:
            first.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(first.wait(), 30)
            except TimeoutError:
                pass  # killed below
            finally:
                await _reaped(first)
        if drain is not None:
            await drain
    # once the first has stopped, the lock is free again
    third = await _start(service, env)
    try:
        await _wait_for_line(third, "single-instance lock acquired")
    finally:
        third.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(third.communicate(), 30)
        except TimeoutError:
            pass  # killed below
        finally:
            await _reaped(third)


async def test_help_needs_no_redis_database_or_network(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARISTOBOT_")}
    env["ARISTOBOT_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:9/none"
    for service in ("engine", "heartbeat"):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", f"services.{service}", "--help", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0
        assert b"only one" in out.lower() or b"Only one" in out
