"""Two users, every user-scoped repository function: nothing of one reaches the other.

Every public module-level function of ``aristobot`` that takes a database ``Session`` and a
``user_id`` (found by reading the source, so a new one is covered at once) is called by bob:

- on his own data: it works;
- on alice's objects (her ids): nothing of alice changes, and bob's outcome is the same as when
  alice does not exist at all (a list holds none of her rows, an id of hers is « not found »);
- alice's own outcome differs from bob's (the call really reads what it is given).

How to call each function is registered in ``tests/support/user_scoped_cases.py``.
"""

from __future__ import annotations

import ast
import dataclasses
import math
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

import aristobot
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.db.models import Base, BrokerRow, UserRow
from tests.conftest import DB_BACKENDS
from tests.support import databases as dbs
from tests.support.user_scoped_cases import CASES, Case
from tests.support.user_world import Seed, seed

USER_PARAMS = {"user_id", "user", "owner_id"}


def _user_scoped_functions() -> set[str]:
    """``module:function`` of every public top-level function taking a Session and a user."""
    root = Path(aristobot.__file__).parent
    found = set()
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = ".".join(("aristobot", *path.relative_to(root).with_suffix("").parts))
        module = module.removesuffix(".__init__")
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            annotations = [ast.unparse(a.annotation) for a in args if a.annotation is not None]
            takes_session = any(a.split(".")[-1] == "Session" for a in annotations)
            if (not node.name.startswith("_") and takes_session
                    and USER_PARAMS & {a.arg for a in args}):
                found.add(f"{module}:{node.name}")
    return found


def test_every_user_scoped_function_is_registered() -> None:
    found = _user_scoped_functions()
    assert len(found) >= 50  # the discovery itself works
    missing = sorted(found - CASES.keys())
    assert not missing, (
        f"user-scoped functions without a two-user isolation case: {missing}; register how to "
        "call each in tests/support/user_scoped_cases.py (CASES)")
    stale = sorted(CASES.keys() - found)
    assert not stale, f"CASES names functions that no longer exist or take no user: {stale}"


def _plain(x: Any) -> Any:
    """A comparable form of a result: dataclasses, frames, Decimals and NaN normalised."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return (type(x).__name__,
                {f.name: _plain(getattr(x, f.name)) for f in dataclasses.fields(x)})
    if isinstance(x, pd.DataFrame | pd.Series):
        return _plain(x.astype(object).where(x.notna(), None).to_dict())
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, Decimal):
        return x.normalize()
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    return x


def _outcome(s: Session, case: Case, me: Seed, it: Seed) -> tuple[str, Any]:
    """("ok", result) or ("error", exception class), the call undone (savepoint rollback)."""
    nested = s.begin_nested()
    try:
        result = _plain(case.call(s, me, it))
        s.flush()
        return "ok", result
    except Exception as e:  # the outcome under test, whatever it is
        return "error", type(e).__name__
    finally:
        nested.rollback()


def _snapshot(s: Session, owner: Seed | None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table except ``owner``'s (and rows hanging off his brokers)."""
    s.flush()
    uid = owner.user_id if owner is not None else -1
    own_brokers = set(s.scalars(select(BrokerRow.id).where(BrokerRow.user_id == uid)))
    out = {}
    for table in Base.metadata.sorted_tables:
        rows = []
        for row in s.execute(select(table)).all():
            m = row._mapping
            if (m.get("user_id") == uid or m.get("broker_id") in own_brokers
                    or (table.name == "users" and m["id"] == uid)):
                continue
            rows.append(tuple(row))
        out[table.name] = sorted(rows, key=repr)
    return out


@pytest.fixture(scope="module", params=DB_BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: dbs.SqliteTemplate,
) -> Iterator[tuple[sessionmaker[Session], Seed, Seed]]:
    """Alice and bob seeded once per backend: every phase of every case is rolled back."""
    if request.param == "sqlite":
        url = sqlite_template.fresh_url(tmp_path_factory.mktemp("isolation"))
    else:
        url = request.getfixturevalue("pg_url")
        if url is None:
            pytest.skip("PostgreSQL not configured (ARISTOBOT_TEST_DATABASE_URL=skip)")
    engine = make_engine(url)
    if request.param != "sqlite":
        dbs.truncate_all(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        alice = seed(s, "alice", rich=True)
        bob = seed(s, "bob", rich=False)
    with sessions() as s:
        seeded = _snapshot(s, None)
    yield sessions, alice, bob
    with sessions() as s:
        assert _snapshot(s, None) == seeded, "a case left a change behind (not rolled back)"
    if request.param != "sqlite":
        dbs.truncate_all(engine)
    engine.dispose()


@pytest.mark.parametrize("name", sorted(CASES))
def test_user_sees_and_changes_only_their_own_data(
    name: str, world: tuple[sessionmaker[Session], Seed, Seed]
) -> None:
    case, (sessions, alice, bob) = CASES[name], world
    with sessions() as s:
        own = _outcome(s, case, bob, bob)
        assert own[0] == "ok", f"{name} fails on the caller's own data: {own[1]}"
        s.rollback()
    with sessions() as s:
        before = _snapshot(s, bob)
        nested = s.begin_nested()
        try:
            case.call(s, bob, alice)
        except Exception:
            pass  # a call that raises changes nothing: its caller rolls back
        else:
            assert _snapshot(s, bob) == before, f"{name} as bob changed alice's data"
        finally:
            nested.rollback()
        s.rollback()
    with sessions() as s:
        cross = _outcome(s, case, bob, alice)
        s.rollback()
    with sessions() as s:
        s.execute(delete(UserRow).where(UserRow.id == alice.user_id))  # cascades to her data
        without_alice = _outcome(s, case, bob, alice)
        s.rollback()
    if case.differential:
        assert cross == without_alice, (
            f"{name}: what bob gets depends on alice's data:\n{cross}\nvs\n{without_alice}")
    if case.sensitive:
        with sessions() as s:
            hers = _outcome(s, case, alice, alice)
            s.rollback()
        assert hers != cross, f"{name}: alice's own call gives what bob's gives (vacuous case)"
