"""Fault specs and the offline command's wiring (pure parts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aristobot.config import Settings
from aristobot.exchanges.factory import url_overrides
from aristobot.offline import market_dir, offline_env, replay_command
from aristobot.replay.faults import Fault, parse_fault
from aristobot.replay.symbols import MAJORS, spec_for, split_symbol


def test_fault_specs() -> None:
    assert parse_fault("pause:15@+30") == Fault("pause", 15.0, after_s=30.0)
    assert parse_fault("drop@+0") == Fault("drop", 0.0, after_s=0.0)
    assert parse_fault("lose@1704081600000") == Fault("lose", 10.0, at_ms=1_704_081_600_000)
    assert parse_fault("garbage:2@2024-01-01T04:00:00Z").at_ms == 1_704_081_600_000
    for bad, why in [("explode@+1", "unknown fault"), ("pause:x@+1", "bad argument"),
                     ("drop", "needs @WHEN"), ("drop@soon", "bad time"),
                     ("pause:-1@+1", "negative")]:
        with pytest.raises(ValueError, match=why):
            parse_fault(bad)


def test_symbols_and_rules() -> None:
    assert split_symbol("ETHBTC") == ("ETH", "BTC") and MAJORS["XRPUSDT"].price_decimals == 4
    odd = spec_for("PEPEUSDT", 0.00001234)
    assert odd.tick <= 1e-8 * 10 and odd.base == "PEPE" and odd.min_notional == 5.0
    with pytest.raises(ValueError):
        split_symbol("NOQUOTE")


def test_offline_points_every_binance_url_at_the_replay(tmp_path: Path) -> None:
    settings = Settings.from_env({"ARISTOBOT_VAR_DIR": str(tmp_path / "var"),
                                  "ARISTOBOT_HEARTBEAT_SYMBOLS": "BTCUSDT,ETHUSDT"})
    var = market_dir(settings, None)
    assert var == tmp_path / "var" / "offline" / "synthetic"
    assert market_dir(settings, Path("a b.tape.gz")).name == "tape-a_b.tape.gz"
    base = {"ARISTOBOT_DATABASE_URL": "postgresql+psycopg://prod", "ARISTOBOT_REDIS_URL":
            "redis://prod", "ARISTOBOT_EXCHANGE_URL_OVERRIDES": "binance=http://elsewhere",
            "PATH": "/bin"}
    env = offline_env(base, "ws://127.0.0.1:4321", var)
    offline = Settings.from_env(env)
    assert offline.binance_ws_url == "ws://127.0.0.1:4321"
    assert offline.binance_rest_url == "http://127.0.0.1:4321"
    assert url_overrides(offline.exchange_url_overrides,
                         offline.binance_rest_url)["binance"] == "http://127.0.0.1:4321"
    assert offline.is_embedded and offline.database_url == f"sqlite:///{var}/aristobot.db"
    cmd = replay_command(settings, None, "1", var / "replay.state")
    assert cmd[1:3] == ["-m", "services.replay"] and "--tape" not in cmd
    assert cmd[cmd.index("--symbols") + 1] == "BTCUSDT,ETHUSDT"
    assert cmd[cmd.index("--resume") + 1] == str(var / "replay.state")
    tape = replay_command(settings, Path("t.gz"), "60", var / "s")
    assert tape[tape.index("--tape") + 1] == "t.gz" and "--rebase-now" in tape
