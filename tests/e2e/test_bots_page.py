"""« Trading BOT » in a real browser: activate, suspend, resume, sell, stop with confirmation,
Rejouer; screenshots in both themes (embedded server: SQLite, in-process engine)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from aristobot.brokers import ensure_default_paper_broker
from aristobot.db.engine import make_engine, make_sessionmaker
from aristobot.db.models import PaperBalanceRow, PositionRow, UserRow
from aristobot.strategies.repository import create_strategy
from tests.e2e.conftest import login, screenshot
from tests.support.engine import MOMENTUM, add_candles

pytestmark = pytest.mark.e2e


def _seed(database_url: str) -> Any:
    sessions = make_sessionmaker(make_engine(database_url))
    with sessions.begin() as s:
        dev = s.scalar(select(UserRow).where(UserRow.username == "dev"))
        assert dev is not None
        ensure_default_paper_broker(s, dev.id, "10000")
        create_strategy(s, dev.id, "Momentum", MOMENTUM, timeframe="1m", window_size=30)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    closes = [100 + (i % 5) for i in range(40)]
    add_candles(sessions, "BTC/USDT", "1m", now - timedelta(minutes=40), closes)
    return sessions, dev.id


def _open_position(sessions: Any, user_id: int) -> None:
    """The state the engine leaves after an entry (the engine itself is tested elsewhere)."""
    with sessions.begin() as s:
        row = s.scalar(select(PositionRow))
        assert row is None
        from aristobot.db.models import ActiveStrategyRow, BrokerRow

        active = s.scalar(select(ActiveStrategyRow))
        broker = s.scalar(select(BrokerRow).where(BrokerRow.user_id == user_id))
        assert active is not None and broker is not None
        s.add(PositionRow(user_id=user_id, broker_id=broker.id, strategy_id=active.strategy_id,
                          active_strategy_id=active.id, symbol="BTC/USDT", side="long",
                          quantity=Decimal("2"), entry_price=Decimal("101"),
                          unrealized_pnl=Decimal("2"), status="open", protection="engine"))
        usdt = s.scalar(select(PaperBalanceRow).where(PaperBalanceRow.asset == "USDT"))
        if usdt is None:
            s.add(PaperBalanceRow(broker_id=broker.id, asset="USDT", free=Decimal("9798")))
        s.add(PaperBalanceRow(broker_id=broker.id, asset="BTC", free=Decimal("2")))


def _click(page: Any, css: str) -> None:
    page.locator(f"{css} button").click()


def test_bots_page_lifecycle(served_app: Any, new_page: Any) -> None:
    app = served_app()
    page = new_page()
    login(page, app.base_url, next_page="bots")
    sessions, dev_id = _seed(app.database_url)
    page.reload()
    page.locator(".bots-activate button").wait_for()
    assert "Momentum" in page.locator(".bots-strategy select").inner_text()
    _click(page, ".bots-activate")
    page.locator("#bots-message", has_text="Stratégie activée").wait_for()
    bots = page.locator(".bots-list")
    bots.locator("text=Active").first.wait_for()
    _click(page, ".bots-suspend")
    page.locator("#bots-message", has_text="Stratégie suspendue").wait_for()
    bots.locator("text=Suspendue").first.wait_for()
    _click(page, ".bots-resume")
    page.locator("#bots-message", has_text="Stratégie reprise").wait_for()

    _open_position(sessions, dev_id)
    _click(page, ".bots-refresh")
    page.locator("#bots-detail", has_text="Position : 2 BTC").wait_for()
    _click(page, ".bots-stop")
    page.locator("#bots-confirm-text", has_text="Une position est ouverte").wait_for()
    screenshot(page, "bots_confirm_stop_dark")
    _click(page, ".bots-cancel-stop")
    page.locator("#bots-confirm-text").wait_for(state="hidden")
    _click(page, ".bots-sell")
    page.locator("#bots-message", has_text="Position vendue").wait_for()
    page.locator("#bots-detail", has_text="Aucune position ouverte").wait_for()
    page.locator(".bots-trades", has_text="Vente").wait_for()

    _click(page, ".bots-replay")
    page.locator("#bots-replay-summary", has_text="signal(aux) comparé(s)").wait_for(
        timeout=120_000)
    screenshot(page, "bots_page_dark")
    _click(page, ".bots-stop")  # no position now: no confirmation needed
    page.locator("#bots-message", has_text="Stratégie arrêtée").wait_for()
    bots.locator("text=Arrêtée").first.wait_for()
    with sessions.begin() as s:  # the theme is a profile preference (« Mon Compte »)
        user = s.get(UserRow, dev_id)
        assert user is not None
        user.theme = "light"
    page.goto(app.page_url("bots"))
    page.locator(".bots-list", has_text="Arrêtée").wait_for()
    screenshot(page, "bots_page_light")
