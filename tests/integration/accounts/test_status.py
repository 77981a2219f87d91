"""The status bar's data: read from the shared tables and from bus messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aristobot.accounts import debug_mode
from aristobot.bus import Channels
from aristobot.db.models import BrokerRow, ExchangeSymbolRow, HeartbeatStatusRow
from aristobot.status import Status, StatusHub, read_status
from aristobot.ui.status_bar import render_status
from tests.support.factories import make_user


def test_status_read_from_database(sessions) -> None:  # type: ignore[no-untyped-def]
    alice = make_user(sessions, "alice")
    bob = make_user(sessions, "bob")
    now = datetime(2024, 8, 9, tzinfo=UTC)
    with sessions.begin() as s:
        s.add(
            HeartbeatStatusRow(
                service="heartbeat",
                is_connected=True,
                is_coherent=False,
                last_application_start=now - timedelta(seconds=30),
                symbols_monitored=["BTCUSDT"],
                updated_at=now,
            )
        )
        for ex in ("binance", "okx"):
            s.add(
                ExchangeSymbolRow(
                    exchange=ex, symbol="BTC/USDT", base="BTC", quote="USDT", type="spot"
                )
            )
        s.add(BrokerRow(user_id=alice.id, name="test", exchange="binance", is_testnet=True))
        debug_mode.set_debug_active(s, True)
    with sessions() as s:
        st = read_status(s, now, debug_allowed=True)
        stale = read_status(s, now + timedelta(minutes=10), debug_allowed=False)
    assert st.heartbeat_active and not st.heartbeat_coherent
    assert st.exchanges_loaded == 2 and st.debug_active
    assert st.testnet_users == frozenset({alice.id})
    assert not stale.heartbeat_active and not stale.debug_active  # no news for 10 min
    html_alice, html_bob = render_status(st, alice.id), render_status(st, bob.id)
    assert "Mode Testnet" in html_alice and "Mode Testnet" not in html_bob
    assert "Non cohérent" in html_alice and "2 exchanges chargés" in html_alice
    assert "Debug actif" in html_alice
    assert "0 stratégie live" in html_alice


def test_live_strategies_are_counted_per_user(sessions) -> None:  # type: ignore[no-untyped-def]
    from aristobot.db.models import ActiveStrategyRow, StrategyRow

    alice = make_user(sessions, "alice")
    bob = make_user(sessions, "bob")
    now = datetime(2024, 8, 9, tzinfo=UTC)
    with sessions.begin() as s:
        broker = BrokerRow(user_id=alice.id, name="p", exchange="paper")
        strategy = StrategyRow(user_id=alice.id, name="s", code="x")
        s.add_all([broker, strategy])
        s.flush()
        for active, end in [
            (True, now + timedelta(days=1)),
            (True, now + timedelta(days=2)),
            (False, now + timedelta(days=1)),
            (True, now - timedelta(days=1)),
        ]:
            s.add(
                ActiveStrategyRow(
                    user_id=alice.id,
                    strategy_id=strategy.id,
                    broker_id=broker.id,
                    symbol="BTC/USDT",
                    timeframe="1m",
                    start_date=now - timedelta(days=3),
                    end_date=end,
                    is_active=active,
                )
            )
    with sessions() as s:
        st = read_status(s, now, debug_allowed=False)
    assert "2 stratégies live" in render_status(st, alice.id)
    assert "0 stratégie live" in render_status(st, bob.id)  # never another user's count


def test_markets_progress_messages_drive_the_status() -> None:
    hub = StatusHub()
    hub.update(Status(exchanges_loaded=1))
    v = hub.version
    hub._apply(Channels.MARKETS_PROGRESS, {"exchange": "binance", "pct": 42.4, "done": False})
    assert hub.version == v + 1
    assert "Chargement 'binance' 42%" in render_status(hub.status, 1)
    hub._apply(Channels.MARKETS_PROGRESS, {"exchange": "binance", "pct": 100, "done": True})
    assert "1 exchange chargé" in render_status(hub.status, 1)
    hub._apply(Channels.HEARTBEAT_STATUS, {"is_connected": True, "is_coherent": True})
    assert "Heartbeat actif" in render_status(hub.status, 1)
