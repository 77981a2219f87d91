"""Pure integrity decisions: stalled link vs quiet market, candle comparison, coherence."""

from __future__ import annotations

from aristobot.core.heartbeat_clock import BoundarySignal
from aristobot.core.heartbeat_integrity import (
    LinkMonitor,
    candle_changes,
    coherence,
    describe_changes,
    minutes_in,
    windows_containing,
)
from aristobot.domain.timeframe import HEARTBEAT_TIMEFRAMES, Timeframe
from aristobot.heartbeat.signals import SignalGate

T = 1_704_081_600_000


def test_a_prompt_frame_confirms_minutes_closed_by_the_timer() -> None:
    link = LinkMonitor(stall_lag_ms=2_000, silence_ms=5_000)
    link.closed_by_timer("BTCUSDT", T)
    assert link.on_batch(T + 60_100, T + 60_050) is None  # a trade after the boundary, on time
    assert link.take_silent(T + 600_000) == []  # confirmed: a quiet market, nothing to re-check


def test_a_silent_link_makes_timer_closed_minutes_suspect() -> None:
    link = LinkMonitor(stall_lag_ms=2_000, silence_ms=5_000)
    link.on_batch(T + 59_000, T + 58_990)
    link.closed_by_timer("BTCUSDT", T)
    assert link.take_silent(T + 62_000) == []  # 3 s of silence: could be a quiet market
    assert link.take_silent(T + 64_500) == [("BTCUSDT", T)]  # 5.5 s: the link is silent
    assert link.take_silent(T + 70_000) == []  # reported once


def test_frames_arriving_late_report_one_stall() -> None:
    link = LinkMonitor(stall_lag_ms=2_000)
    link.closed_by_timer("BTCUSDT", T)
    stall = link.on_batch(T + 74_000, T + 59_500)  # stamped before the boundary, 14.5 s late
    assert stall is not None and stall.seconds == 14.5
    assert link.take_stalled(stall) == [("BTCUSDT", T)]
    assert link.on_batch(T + 74_010, T + 61_000) is None  # the same backlog: not reported again
    assert link.on_batch(T + 75_000, T + 74_990) is None and link.stalls == 1


def test_minutes_and_windows_holding_a_minute() -> None:
    assert minutes_in(T + 59_500, T + 74_000) == [T, T + 60_000]
    wins = dict(windows_containing(T + 7 * 60_000, HEARTBEAT_TIMEFRAMES))
    assert Timeframe.M1 not in wins
    assert wins[Timeframe.M3] == T + 6 * 60_000 and wins[Timeframe.M5] == T + 5 * 60_000
    assert wins[Timeframe.H4] == T


def test_candle_comparison_names_what_differs() -> None:
    ours = (61700.0, 61730.0, 61690.0, 61724.0, 12.58693)
    assert candle_changes(ours, ours) == []
    assert candle_changes(ours, (61700.0, 61730.0, 61690.0, 61724.0, 12.58693 + 1e-12)) == []
    changes = candle_changes(ours, (61700.0, 61730.0, 61690.0, 61727.66, 15.49778))
    assert [c.field for c in changes] == ["clôture", "volume"]
    assert describe_changes(changes) == "clôture 61724 → 61727.66, volume 12.58693 → 15.49778"


def test_coherence_is_unknown_until_connected_and_verified() -> None:
    assert coherence(False, False, 0) is None  # never connected
    assert coherence(False, True, 3) is None
    assert coherence(True, False, 0) is None  # connected, nothing verified yet
    assert coherence(True, False, 1) is False  # but a known problem is shown at once
    assert coherence(True, True, 0) is True
    assert coherence(True, True, 2) is False


def test_signal_gate_holds_releases_late_and_drops() -> None:
    gate = SignalGate(["BTC/USDT"])
    a = BoundarySignal(Timeframe.M1, T, T + 60_000)
    b = BoundarySignal(Timeframe.M1, T + 60_000, T + 120_000)
    c = BoundarySignal(Timeframe.M1, T + 120_000, T + 180_000)
    missing = {("BTC/USDT", "1m", T), ("BTC/USDT", "1m", T + 60_000)}
    ready = gate.offer([a, b, c], missing, now_ms=1_000)
    assert [r.signal for r in ready] == [c] and ready[0].delay_ms is None
    assert gate.release(missing, set(), 2_000) == []  # still missing: still held
    missing.discard(("BTC/USDT", "1m", T + 60_000))
    out = gate.release(missing, {("BTC/USDT", "1m", T)}, 4_500)
    assert [(r.signal, r.delay_ms) for r in out] == [(b, 3_500)]  # published late
    assert gate.dropped == 1 and gate.late == 1 and gate.held() == 0  # a: never published


# Boundaries (mutation testing: each of these killed a surviving mutant).
def test_link_monitor_thresholds_are_exclusive_and_defaults_hold() -> None:
    link = LinkMonitor()
    assert (link.stall_lag_ms, link.silence_ms, link.last_arrival_ms) == (2_000, 5_000, None)
    assert link.on_batch(T + 2_000, T) is None  # exactly the allowed lag: not a stall
    assert link.last_arrival_ms == T + 2_000
    stall = link.on_batch(T + 4_001, T + 2_000)
    assert stall is not None and (stall.start_ms, stall.end_ms, stall.seconds) == (
        T + 2_000, T + 4_001, 2.001)
    assert link.stalls == 1
    assert link.on_batch(T + 5_000, T + 4_990) is None  # prompt again: the stall is over
    assert link.on_batch(T + 9_000, T + 5_000) is not None and link.stalls == 2


def test_a_frame_confirms_only_minutes_ended_before_it() -> None:
    link = LinkMonitor(stall_lag_ms=2_000, silence_ms=5_000)
    link.closed_by_timer("A", T)
    link.closed_by_timer("A", T + 60_000)
    link.on_batch(T + 60_000, T + 60_000)  # stamped exactly at the end of the first minute
    assert link.take_silent(T + 65_000) == [("A", T + 60_000)]  # silent exactly 5 s


def test_silence_before_any_frame_and_stalls_cover_overlapping_minutes() -> None:
    link = LinkMonitor()
    assert link.take_silent(T) == []  # nothing provisional
    link.closed_by_timer("A", T)
    assert link.take_silent(T) == [("A", T)]  # never heard from the link: suspect at once
    link.closed_by_timer("A", T)
    link.closed_by_timer("B", T + 60_000)
    stall = link.on_batch(T + 200_000, T + 60_000)  # from the very end of A's minute
    assert stall is not None and link.take_stalled(stall) == [("B", T + 60_000)]
    assert link.take_silent(T + 10**9) == [("A", T)]


def test_minutes_in_always_holds_the_first_minute() -> None:
    assert minutes_in(T + 5, T + 5) == [T]
    assert minutes_in(T, T + 60_000) == [T]
    assert minutes_in(T, T + 60_001) == [T, T + 60_000]
    assert minutes_in(T + 5, T) == [T]  # an end before the start still names the minute


def test_candle_comparison_tolerances_and_every_field() -> None:
    ours = (1.0, 2.0, 0.5, 1.5, 10.0)
    assert candle_changes(ours, (1.0, 2.0, 0.5, 1.5, 10.0 + 5e-9)) == []
    assert candle_changes((1, 2, 0.5, 1.5, 0.0), (1, 2, 0.5, 1.5, 5e-9)) == []  # volume: 1e-8 abs
    assert len(candle_changes((1, 2, 0.5, 1e-12, 0), (1, 2, 0.5, 0, 0))) == 1  # prices: none
    assert [c.field for c in candle_changes(ours, (1.1, 2.1, 0.6, 1.6, 10.1))] == [
        "ouverture", "plus haut", "plus bas", "clôture", "volume"]
    assert candle_changes((1e-12, 0, 0, 0, 0), (0, 0, 0, 0, 0))[0].field == "ouverture"
    (c,) = candle_changes(ours, (1.0, 2.0, 0.5, 1.5, 11.0))
    assert (c.ours, c.theirs) == (10.0, 11.0)
    assert describe_changes([]) == ""
