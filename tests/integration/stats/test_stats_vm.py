"""« Statistiques » on a real database: only the user's trades, broker and date filters, CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from sqlalchemy.orm import Session, sessionmaker

from aristobot.brokers import BrokerDraft, create_broker
from aristobot.bus import InMemoryBus
from aristobot.db.engine import make_engine
from aristobot.db.models import TradeRow, WebhookRow
from aristobot.runtime import Runtime
from aristobot.security import Vault
from aristobot.stats import TradeFilter, compute_stats, load_trades
from aristobot.ui.stats_vm import StatsVM
from tests.support.factories import make_settings, make_user


def _trade(s: Session, user_id: int, broker_id: int | None, side: str, qty: str, price: str,
           day: int, **kw: object) -> None:
    s.add(TradeRow(user_id=user_id, broker_id=broker_id, source=kw.pop("source", "manual"),
                   exchange="paper", symbol="BTC/USDT", side=side, order_type="market",
                   quantity=D(qty), filled_quantity=D(qty), average_price=D(price),
                   fee=D("1"), fee_currency="USDT", status="filled",
                   created_at=datetime(2024, 3, day, 12, tzinfo=UTC), **kw))


@pytest.fixture
def data(sessions: sessionmaker[Session]) -> dict[str, int]:
    alice = make_user(sessions)
    bob = make_user(sessions, "bob", "motdepasse-bob-123")
    vault = Vault("test-secret-key-0123456789")
    with sessions.begin() as s:
        b1 = create_broker(s, vault, alice.id, BrokerDraft("P1", "paper", {})).id
        b2 = create_broker(s, vault, alice.id, BrokerDraft("P2", "paper", {})).id
        # One alert, one order: each webhook trade has its own webhook row, same source.
        hook = WebhookRow(user_id=alice.id, source="TV", payload={}, status="done")
        hook2 = WebhookRow(user_id=alice.id, source="TV", payload={}, status="done")
        s.add_all([hook, hook2])
        s.flush()
        _trade(s, alice.id, b1, "buy", "1", "100", 1)
        _trade(s, alice.id, b1, "sell", "1", "150", 2)              # +50 - 1 fee
        _trade(s, alice.id, b2, "buy", "2", "10", 3, source="webhook", webhook_id=hook.id)
        _trade(s, alice.id, b2, "sell", "2", "8", 4, source="webhook", webhook_id=hook2.id)
        _trade(s, bob.id, None, "sell", "5", "1000", 2)             # bob's: never shown
        s.add(TradeRow(user_id=alice.id, broker_id=b1, source="manual", exchange="paper",
                       symbol="BTC/USDT", side="buy", order_type="market", quantity=D(1),
                       status="rejected", error="Fonds insuffisants",
                       created_at=datetime(2024, 3, 5, tzinfo=UTC)))
    return {"alice": alice.id, "bob": bob.id, "b1": b1, "b2": b2}


def test_only_the_users_trades_with_filters(sessions: sessionmaker[Session],
                                            data: dict[str, int]) -> None:
    with sessions() as s:
        frame = load_trades(s, data["alice"])
        assert len(frame) == 5 and set(frame["origin"]) == {"Manuel", "Webhook : TV"}
        s1 = compute_stats(frame).summary.set_index("Origine")
        assert s1.loc["Manuel", "P&L réalisé"] == pytest.approx(48.0)   # 50 - 2 fees
        assert s1.loc["Webhook : TV", "P&L réalisé"] == pytest.approx(-6.0)  # -4 - 2 fees
        assert s1.loc["Total", "Trades"] == 4
        only_b2 = load_trades(s, data["alice"], TradeFilter(broker_id=data["b2"]))
        assert set(only_b2["origin"]) == {"Webhook : TV"}
        days = load_trades(s, data["alice"], TradeFilter(
            start=datetime(2024, 3, 2, tzinfo=UTC), end=datetime(2024, 3, 4, tzinfo=UTC)))
        assert sorted(days["created_at"].dt.day) == [2, 3]
        assert len(load_trades(s, data["bob"])) == 1


def test_vm_filters_and_csv(db_url: str, tmp_path, data: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, db_url)
    engine = make_engine(db_url)
    from aristobot.db.engine import make_sessionmaker

    rt = Runtime(settings, engine, make_sessionmaker(engine), InMemoryBus(),
                 Vault(str(settings.secret_key)))
    vm = StatsVM(rt, data["alice"])
    assert vm.summary.set_index("Origine").loc["Total", "P&L réalisé"] == pytest.approx(42.0)
    assert "4 trade(s) exécuté(s) sur 5 tentative(s)" in vm.info
    vm.broker = data["b1"]
    assert list(vm.summary["Origine"]) == ["Manuel", "Total"]
    vm.start, vm.end = date(2024, 3, 2), date(2024, 3, 2)  # the end day is included
    assert vm.summary.set_index("Origine").loc["Total", "Trades"] == 1
    csv = vm.csv().read().splitlines()
    assert csv[0].startswith("Date (UTC);Origine;Broker;Symbole;Sens")
    assert len(csv) == 2 and ";sell;" in csv[1]
    vm.start = date(2024, 3, 9)
    assert "postérieure" in vm.error
    engine.dispose()



def test_undefined_statistics_read_a_dash_and_no_chart_is_drawn_without_trades(
        db_url: str, tmp_path, data: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    from aristobot.db.engine import make_sessionmaker
    from aristobot.ui.stats_page import _charts

    settings = make_settings(tmp_path, db_url)
    engine = make_engine(db_url)
    rt = Runtime(settings, engine, make_sessionmaker(engine), InMemoryBus(),
                 Vault(str(settings.secret_key)))
    vm = StatsVM(rt, data["alice"])
    assert "st-no-chart" not in repr(_charts(vm.stats, "UTC", "light"))
    vm.start = date(2030, 1, 1)  # no trade in this period
    shown = vm.summary.set_index("Origine")
    assert shown.loc["Total", "Taux de réussite (%)"] == "—"  # not « NaN »
    assert shown.loc["Total", "P&L réalisé"] == 0  # defined values stay numbers
    assert "st-no-chart" in _charts(vm.stats, "UTC", "light").object
