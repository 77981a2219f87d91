"""Stored sweeps on SQLite and PostgreSQL: round trip, two users isolated, cascade, refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from aristobot.db.models import SweepRow, UserRow
from aristobot.errors import NotFound, ValidationError
from aristobot.sweeps.store import (
    SweepInfo,
    SweepOutcome,
    delete_sweep,
    list_sweeps,
    load_sweep,
    save_sweep,
)
from tests.support.factories import make_user

START, END = datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 22, tzinfo=UTC)


def _info(name: str = "EMA") -> SweepInfo:
    return SweepInfo(name, "class S(Strategy): params = {'fast': 10, 'slow': 20}", "binance",
                     "BTC/USDT", "1h", START, END, "grid", "sharpe",
                     {"fast": [5, 10], "slow": [20, 30]}, ["fast < slow"],
                     {"initial_amount": 10_000.0, "cap": 50})


def _outcome(status: str = "done") -> SweepOutcome:
    runs = [{"params": {"fast": f, "slow": s}, "stats": {"sharpe": f / s, "trades": 3},
             "flagged": False} for f in (5, 10) for s in (20, 30)]
    return SweepOutcome(status, runs, 4, {"fast": 10, "slow": 20},
                        {"dsr": 0.42, "pbo": 0.25, "text": "Probablement de la chance."},
                        None, False)


def _users(sessions: sessionmaker[Session]) -> tuple[int, int]:
    return make_user(sessions, "alice").id, make_user(sessions, "bob").id


def test_round_trip_keeps_every_run_and_the_verdict(sessions: sessionmaker[Session]) -> None:
    alice, _ = _users(sessions)
    with sessions.begin() as s:
        sid = save_sweep(s, alice, _info(), _outcome())
    with sessions() as s:
        stored = load_sweep(s, alice, sid)
    assert stored.info == _info()
    assert stored.outcome == _outcome()
    assert stored.summary.finished_runs == 4 and stored.summary.planned_runs == 4
    assert stored.summary.verdict_text == "Probablement de la chance."
    assert stored.summary.start == START and stored.summary.start.tzinfo is not None


def test_two_users_never_see_each_others_sweeps(sessions: sessionmaker[Session]) -> None:
    alice, bob = _users(sessions)
    with sessions.begin() as s:
        a = save_sweep(s, alice, _info("A"), _outcome())
        b = save_sweep(s, bob, _info("B"), _outcome("cancelled"))
    with sessions() as s:
        assert [x.id for x in list_sweeps(s, alice)] == [a]
        assert [x.id for x in list_sweeps(s, bob)] == [b]
        with pytest.raises(NotFound):
            load_sweep(s, alice, b)
    with pytest.raises(NotFound), sessions.begin() as s:
        delete_sweep(s, alice, b)
    with sessions.begin() as s:
        delete_sweep(s, bob, b)
    with sessions() as s:
        assert list_sweeps(s, bob) == []
        assert load_sweep(s, alice, a).info.strategy_name == "A"


def test_deleting_a_user_deletes_their_sweeps(sessions: sessionmaker[Session]) -> None:
    alice, bob = _users(sessions)
    with sessions.begin() as s:
        save_sweep(s, alice, _info(), _outcome())
        save_sweep(s, bob, _info(), _outcome())
    with sessions.begin() as s:
        s.delete(s.get(UserRow, alice))
    with sessions() as s:
        owners = list(s.scalars(select(SweepRow.user_id)))
    assert owners == [bob]


@pytest.mark.parametrize("bad, reason", [
    ({"method": "bayes"}, "méthode inconnue"),
    ({"space": {}}, "au moins un paramètre"),
    ({"end": START}, "date de fin"),
])
def test_unusable_sweeps_are_refused_in_french(sessions: sessionmaker[Session], bad: dict,
                                               reason: str) -> None:
    alice, _ = _users(sessions)
    info = _info()
    info = SweepInfo(**{**{f: getattr(info, f) for f in info.__slots__}, **bad})
    with pytest.raises(ValidationError, match=reason), sessions.begin() as s:
        save_sweep(s, alice, info, _outcome())
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(SweepRow)) == 0


def test_a_run_without_parameters_is_refused(sessions: sessionmaker[Session]) -> None:
    alice, _ = _users(sessions)
    broken = SweepOutcome("done", [{"stats": {}}], 1)
    with pytest.raises(ValidationError, match="paramètres"), sessions.begin() as s:
        save_sweep(s, alice, _info(), broken)
