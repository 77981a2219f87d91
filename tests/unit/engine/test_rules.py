"""Pure engine rules: late signals, protective levels, live/replay pairing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from aristobot.engine.positions import PositionView
from aristobot.engine.protection import triggered
from aristobot.engine.replay_report import Event, compare
from aristobot.engine.runner import too_late

T = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_late_signals_beyond_one_candle_are_refused() -> None:
    assert too_late({"timeframe": "1m"}, "1m") is None
    assert too_late({"late": True, "delay_ms": 30_000}, "1m") is None
    assert too_late({"late": True}, "1m") is None  # no delay given: acted on
    reason = too_late({"late": True, "delay_ms": 61_000}, "1m")
    assert reason is not None and "en retard de 61 s" in reason
    assert too_late({"late": True, "delay_s": 299}, "5m") is None
    assert too_late({"late": True, "delay_s": 301}, "5m") is not None


def _position(sl: str | None, tp: str | None) -> PositionView:
    d = Decimal
    return PositionView(1, 1, 1, 1, "BTC/USDT", "long", d(1), d(100), None,
                        d(sl) if sl else None, d(tp) if tp else None, None, "open", "engine",
                        None, None, None, T, None, None, None)


def test_stop_loss_wins_and_levels_are_inclusive() -> None:
    p = _position("98", "105")
    assert triggered(p, Decimal("99")) is None
    assert triggered(p, Decimal("98")) == "stop_loss"
    assert triggered(p, Decimal("105")) == "take_profit"
    assert triggered(_position("98", "97"), Decimal("97")) == "stop_loss"  # both: the stop
    assert triggered(_position(None, None), Decimal("1")) is None


def test_compare_pairs_live_and_replay_by_candle() -> None:
    live = [Event(T, "enter_long", 100.0, 0.1), Event(T + timedelta(minutes=2), "exit", 101.0,
                                                       0.101),
            Event(T + timedelta(minutes=5), "enter_long", 99.0, 0.099)]
    replay = [Event(T, "enter_long", 100.0, 0.1), Event(T + timedelta(minutes=2), "exit", 101.5,
                                                         0.1015),
              Event(T + timedelta(minutes=3), "enter_long", 99.5, 0.0995)]
    rows = compare(live, replay)
    assert [r.verdict for r in rows] == ["identique", "prix d'exécution différent",
                                         "décision manquée (live)", "décision en trop (live)"]
    assert [r.differs for r in rows] == [False, True, True, True]
