from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from aristobot.errors import Conflict, NotFound, StrategyInvalid, ValidationError
from aristobot.strategies import repository as repo
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE
from aristobot.strategies.template import TEMPLATE
from tests.support.factories import make_user


def test_crud_scoped_by_user(sessions: sessionmaker[Session]) -> None:
    alice = make_user(sessions, "alice")
    bob = make_user(sessions, "bob", "motdepasse-bob-123")
    with sessions.begin() as s:
        a = repo.create_strategy(s, alice.id, "EMA", EMA_CROSS_EXAMPLE, timeframe="15m")
        repo.create_strategy(s, bob.id, "EMA")  # same name, other user: fine
    with sessions.begin() as s:
        assert [r.name for r in repo.list_strategies(s, alice.id)] == ["EMA"]
        assert repo.get_strategy(s, alice.id, a.id).code == EMA_CROSS_EXAMPLE
        with pytest.raises(NotFound):
            repo.get_strategy(s, bob.id, a.id)
        with pytest.raises(NotFound):
            repo.delete_strategy(s, bob.id, a.id)
    with sessions.begin() as s:
        assert repo.get_strategy(s, bob.id, repo.list_strategies(s, bob.id)[0].id).code == TEMPLATE


def test_rename_duplicate_delete(sessions: sessionmaker[Session]) -> None:
    user = make_user(sessions)
    with sessions.begin() as s:
        a = repo.create_strategy(s, user.id, "Alpha")
        repo.create_strategy(s, user.id, "Beta")
        with pytest.raises(Conflict):
            repo.rename_strategy(s, user.id, a.id, "beta")
        repo.rename_strategy(s, user.id, a.id, "Gamma")
        c1 = repo.duplicate_strategy(s, user.id, a.id)
        c2 = repo.duplicate_strategy(s, user.id, a.id)
        assert (c1.name, c2.name) == ("Gamma (copie)", "Gamma (copie) 2")
        repo.delete_strategy(s, user.id, a.id)
        assert [r.name for r in repo.list_strategies(s, user.id)] == [
            "Beta", "Gamma (copie)", "Gamma (copie) 2"]


def test_invalid_input_refused_and_nothing_written(sessions: sessionmaker[Session]) -> None:
    user = make_user(sessions)
    with sessions.begin() as s:
        a = repo.create_strategy(s, user.id, "Alpha")
    with pytest.raises(StrategyInvalid) as e, sessions.begin() as s:
        repo.update_strategy(s, user.id, a.id, code="import os\n" + TEMPLATE)
    assert "Import de « os » refusé" in e.value.user_message()
    for bad in ({"name": ""}, {"name": "x" * 65}, {"timeframe": "7m"}, {"window_size": 5}):
        with pytest.raises(ValidationError), sessions.begin() as s:
            repo.create_strategy(s, user.id, **{"name": "Ok", **bad})  # type: ignore[arg-type]
    with sessions.begin() as s:
        assert repo.get_strategy(s, user.id, a.id).code == TEMPLATE
        assert len(repo.list_strategies(s, user.id)) == 1
