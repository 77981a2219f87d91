"""Shared fixtures: real SQLite and PostgreSQL databases, in-process and Redis buses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from aristobot.bus import Bus, InMemoryBus
from aristobot.db.engine import make_engine, make_sessionmaker, migrate
from tests.support import databases as dbs
from tests.support import processes

#: How long a module's Dask processes may take to exit after its fixtures closed them.
DASK_EXIT_S = 60.0


@pytest.fixture(scope="module", autouse=True)
def no_dask_process_survives_the_module() -> Iterator[None]:
    """Fail the module that leaves a Dask scheduler/worker, a notebook kernel or one of their
    children (sandboxed strategy workers) running after its fixtures are torn down; kill them,
    so a leak never stalls the modules after it."""
    before = set(processes.dask_descendants())
    yield
    leaked = {pid: cmd for pid, cmd in processes.dask_descendants().items() if pid not in before}
    left = processes.wait_gone(set(leaked), DASK_EXIT_S)
    if left:
        processes.kill(left)
        pytest.fail("Dask processes left running by this module (now killed): "
                    + "; ".join(f"{pid} {leaked[pid][:120]}" for pid in sorted(left)))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> dbs.SqliteTemplate:
    return dbs.SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str | None]:
    """A private, migrated PostgreSQL database for this run, or None when not configured."""
    admin = dbs.pg_admin_url()
    if admin is None:
        yield None
        return
    url = dbs.create_pg_database(admin)  # raises (test error) when PostgreSQL is unreachable
    migrate(url)
    yield url
    dbs.drop_pg_database(admin, url)


DB_BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=DB_BACKENDS)
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: dbs.SqliteTemplate
) -> Iterator[str]:
    """A freshly migrated, empty database: SQLite always, PostgreSQL when configured."""
    if request.param == "sqlite":
        yield sqlite_template.fresh_url(tmp_path)
        return
    url = request.getfixturevalue("pg_url")
    if url is None:
        pytest.skip("PostgreSQL not configured (ARISTOBOT_TEST_DATABASE_URL=skip)")
    engine = make_engine(url)
    dbs.truncate_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: dbs.SqliteTemplate) -> str:
    """A freshly migrated SQLite database only (for tests that need no PostgreSQL twin)."""
    return sqlite_template.fresh_url(tmp_path)


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture(params=["memory", "redis"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[Bus]:
    """The in-process bus always; the Redis bus when configured (fails if unreachable)."""
    if request.param == "memory":
        b: Bus = InMemoryBus()
    else:
        url = dbs.redis_test_url()
        if url is None:
            pytest.skip("Redis not configured (ARISTOBOT_TEST_REDIS_URL=skip)")
        from aristobot.bus.redis_bus import RedisBus

        rb = RedisBus(url, namespace=f"t{dbs.RUN_ID}:")
        await rb.ping()
        b = rb
    yield b
    await b.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last: fast feedback first, and playwright's sync loop never
    precedes an asyncio test in the same process."""
    items.sort(key=lambda item: "/e2e/" in str(item.path))
