"""Strategy edits, setting by setting: what changes, what stays, which names are taken."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from aristobot.accounts.users import create_user
from aristobot.errors import Conflict
from aristobot.strategies import repository as repo
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE
from aristobot.strategies.template import TEMPLATE


def test_each_setting_changes_alone(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        uid = create_user(s, "denise", "motdepasse-denise-1").id
        st = repo.create_strategy(s, uid, "EMA", description="  d  ", timeframe="4h",
                                  window_size=300)
        assert (st.description, st.timeframe, st.window_size, st.code) == (
            "d", "4h", 300, TEMPLATE)
        assert repo.update_strategy(s, uid, st.id).description == "d"  # nothing given
        up = repo.update_strategy(s, uid, st.id, description=" neuve ")
        assert (up.description, up.timeframe, up.window_size, up.code) == (
            "neuve", "4h", 300, TEMPLATE)
        up = repo.update_strategy(s, uid, st.id, timeframe="15m", window_size=" 40 ")
        assert (up.description, up.timeframe, up.window_size) == ("neuve", "15m", 40)
        up = repo.update_strategy(s, uid, st.id, code=EMA_CROSS_EXAMPLE, description="")
        assert (up.code, up.description, up.timeframe) == (EMA_CROSS_EXAMPLE, "", "15m")


def test_names_are_unique_per_user_whatever_the_case(sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        uid = create_user(s, "denise", "motdepasse-denise-1").id
        a = repo.create_strategy(s, uid, "Alpha")
        b = repo.create_strategy(s, uid, "Beta")
        assert repo.rename_strategy(s, uid, a.id, "ALPHA").name == "ALPHA"  # its own name
        with pytest.raises(Conflict) as e:
            repo.rename_strategy(s, uid, b.id, "alpha")
        assert e.value.user_message() == "Vous avez déjà une stratégie nommée « alpha »."
        with pytest.raises(Conflict):
            repo.create_strategy(s, uid, "beta")
        assert [x.name for x in repo.list_strategies(s, uid)] == ["ALPHA", "Beta"]
        copy = repo.duplicate_strategy(s, uid, a.id)
        again = repo.duplicate_strategy(s, uid, a.id)
        third = repo.duplicate_strategy(s, uid, a.id)
        assert (copy.name, again.name, third.name) == (
            "ALPHA (copie)", "ALPHA (copie) 2", "ALPHA (copie) 3")
        long = repo.create_strategy(s, uid, "x" * 64)
        assert repo.duplicate_strategy(s, uid, long.id).name == "x" * 52 + " (copie)"
        assert repo.duplicate_strategy(s, uid, b.id, "Gamma").name == "Gamma"


def test_copies_defaults_and_order_depend_only_on_the_users_own_strategies(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        alice = create_user(s, "alice", "motdepasse-alice-1").id
        bob = create_user(s, "bob", "motdepasse-bob-1").id
        repo.create_strategy(s, alice, "X (copie)")
        x = repo.create_strategy(s, bob, "X", EMA_CROSS_EXAMPLE)
        assert (x.description, x.timeframe, x.window_size) == ("", "1h", 500)
        copy = repo.duplicate_strategy(s, bob, x.id)
        assert (copy.name, copy.code) == ("X (copie)", EMA_CROSS_EXAMPLE)
        repo.create_strategy(s, bob, "B")
        repo.create_strategy(s, bob, "a")
        assert [r.name for r in repo.list_strategies(s, bob)] == ["a", "B", "X", "X (copie)"]
