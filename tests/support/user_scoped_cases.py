"""How to call every user-scoped repository function in the two-user isolation test.

Each entry calls the function as user ``me`` on the objects of user ``it`` (``it`` is ``me``
for the call on one's own data, the victim for the cross-user call). Register every new
function that takes a database session and a ``user_id`` here: the isolation test fails for an
unregistered one.

- ``differential``: bob's cross-user outcome must be the same whether the victim exists or
  not (False only for calls whose result holds a fresh id or a random token).
- ``sensitive``: the victim's own outcome must differ from bob's on her objects (the call
  really reads or changes what it is given; False for writes that trust their ids).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from aristobot.accounts import users, web_sessions
from aristobot.backtest import results_store as rs
from aristobot.brokers import repository as brokers
from aristobot.domain.exchange import Order
from aristobot.engine import decisions, overview, positions, replay_report, selection
from aristobot.stats import loader
from aristobot.strategies import repository as strategies
from aristobot.strategies.ai import config as ai
from aristobot.sweeps import store as sweep_store
from aristobot.trading import trades
from aristobot.webhooks import journal, sources
from tests.support.user_world import (
    CANDLE,
    NOW,
    SYMBOL,
    VAULT,
    Seed,
    backtest_run,
    sweep_run,
)

Call = Callable[[Session, Seed, Seed], Any]


@dataclass(frozen=True)
class Case:
    call: Call
    differential: bool = True
    sensitive: bool = True


def _new(call: Call) -> Case:
    """A write that creates the caller's own row (a fresh id in the result)."""
    return Case(call, differential=False, sensitive=False)


_FILLED = Order("X-9", None, SYMBOL, "market", "buy", "closed", Decimal(1), Decimal(1), None,
               Decimal(101), Decimal(101))
_PAPER_TEST = brokers.BrokerDraft("Test", "paper", paper_capital=Decimal(500))
_DAY = timedelta(days=1)


def _activate(s: Session, me: Seed, it: Seed) -> int:
    return selection.activate(s, me.user_id, strategy_id=it.strategy_id, broker_id=it.broker_id,
                              symbol="ETH/USDT", timeframe="1h", start=NOW, end=NOW + _DAY,
                              now=NOW, limit=20)


def _live_events(s: Session, me: Seed, it: Seed) -> Any:
    # The spec as the engine would hold it (built by hand: it outlives the victim's deletion).
    spec = selection.ActiveSpec(it.active_id, it.user_id, it.strategy_id, "EMA", "", 50,
                                it.broker_id, "paper", SYMBOL, "5m", NOW - _DAY, NOW + _DAY)
    return replay_report.live_events(s, me.user_id, spec, NOW - _DAY, NOW + _DAY)


def _client(s: Session, me: Seed, it: Seed) -> Any:
    c = ai.make_client(s, VAULT, me.user_id, provider="openrouter")
    return type(c).__name__, vars(c) if hasattr(c, "__dict__") else repr(c)


def _record_attempt(s: Session, me: Seed, it: Seed) -> int:
    return trades.record_attempt(
        s, user_id=me.user_id, broker_id=me.broker_id, exchange="paper", symbol=SYMBOL,
        side="sell", order_type="market", quantity=Decimal(1), price=None, quote_amount=None,
        client_order_id=f"{me.name}-nouveau")


def _position(s: Session, me: Seed, it: Seed) -> Any:
    return positions.create(
        s, user_id=me.user_id, broker_id=me.broker_id, strategy_id=me.strategy_id,
        active_strategy_id=me.active_id, symbol=SYMBOL, quantity=Decimal(2),
        entry_price=Decimal(50), stop_loss=None, take_profit=None, protection="engine",
        entry_trade_id=None, opened_at=NOW)


CASES: dict[str, Case] = {
    # accounts
    "aristobot.accounts.users:get_user": Case(lambda s, me, it: users.get_user(s, me.user_id)),
    "aristobot.accounts.users:change_password": Case(
        lambda s, me, it: users.change_password(s, me.user_id, me.password, "Nouveau-mdp-9876"),
        sensitive=False),
    "aristobot.accounts.users:set_preferences": Case(
        lambda s, me, it: users.set_preferences(s, me.user_id, theme="light",
                                                display_timezone="Europe/Paris"),
        sensitive=False),
    "aristobot.accounts.web_sessions:open_session": _new(
        lambda s, me, it: web_sessions.open_session(s, me.user_id, now=NOW)),
    "aristobot.accounts.web_sessions:revoke_user_sessions": Case(
        lambda s, me, it: web_sessions.revoke_user_sessions(s, me.user_id, now=NOW),
        sensitive=False),
    # backtest results
    "aristobot.backtest.results_store:save_result": _new(
        lambda s, me, it: rs.save_result(s, me.user_id, *backtest_run())),
    "aristobot.backtest.results_store:list_results": Case(
        lambda s, me, it: rs.list_results(s, me.user_id)),
    "aristobot.backtest.results_store:load_result": Case(
        lambda s, me, it: rs.load_result(s, me.user_id, it.result_id)),
    "aristobot.backtest.results_store:delete_result": Case(
        lambda s, me, it: rs.delete_result(s, me.user_id, it.result_id)),
    "aristobot.backtest.results_store:compare_results": Case(
        lambda s, me, it: rs.compare_results(s, me.user_id, [it.result_id])),
    # parameter sweeps
    "aristobot.sweeps.store:save_sweep": _new(
        lambda s, me, it: sweep_store.save_sweep(s, me.user_id, *sweep_run(me.name))),
    "aristobot.sweeps.store:list_sweeps": Case(
        lambda s, me, it: sweep_store.list_sweeps(s, me.user_id)),
    "aristobot.sweeps.store:load_sweep": Case(
        lambda s, me, it: sweep_store.load_sweep(s, me.user_id, it.sweep_id)),
    "aristobot.sweeps.store:delete_sweep": Case(
        lambda s, me, it: sweep_store.delete_sweep(s, me.user_id, it.sweep_id)),
    # brokers
    "aristobot.brokers.repository:create_broker": _new(
        lambda s, me, it: brokers.create_broker(s, VAULT, me.user_id, _PAPER_TEST)),
    "aristobot.brokers.repository:update_broker": Case(
        lambda s, me, it: brokers.update_broker(s, VAULT, me.user_id, it.broker_id, _PAPER_TEST)),
    "aristobot.brokers.repository:delete_broker": Case(
        lambda s, me, it: brokers.delete_broker(s, me.user_id, it.broker_id)),
    "aristobot.brokers.repository:set_default_broker": Case(
        lambda s, me, it: brokers.set_default_broker(s, me.user_id, it.broker_id)),
    "aristobot.brokers.repository:get_broker": Case(
        lambda s, me, it: brokers.get_broker(s, me.user_id, it.broker_id, VAULT)),
    "aristobot.brokers.repository:list_brokers": Case(
        lambda s, me, it: brokers.list_brokers(s, me.user_id, VAULT)),
    "aristobot.brokers.repository:default_broker": Case(
        lambda s, me, it: brokers.default_broker(s, me.user_id)),
    "aristobot.brokers.repository:broker_config": Case(
        lambda s, me, it: brokers.broker_config(s, VAULT, me.user_id, it.broker_id)),
    "aristobot.brokers.repository:ensure_default_paper_broker": Case(
        lambda s, me, it: brokers.ensure_default_paper_broker(s, me.user_id, "1000")),
    "aristobot.brokers.repository:testnet_in_use": Case(
        lambda s, me, it: brokers.testnet_in_use(s, me.user_id)),
    # engine
    "aristobot.engine.decisions:claim": _new(
        lambda s, me, it: decisions.claim(s, user_id=me.user_id, active_strategy_id=me.active_id,
                                          candle_open_time=CANDLE + timedelta(minutes=5),
                                          timeframe="5m")),
    "aristobot.engine.decisions:list_decisions": Case(
        lambda s, me, it: decisions.list_decisions(s, me.user_id, it.active_id)),
    "aristobot.engine.overview:user_overview": Case(
        lambda s, me, it: overview.user_overview(s, me.user_id, NOW)),
    "aristobot.engine.overview:bot_trades": Case(
        lambda s, me, it: overview.bot_trades(s, me.user_id, it.active_id)),
    "aristobot.engine.positions:user_positions": Case(
        lambda s, me, it: positions.user_positions(s, me.user_id, it.active_id)),
    "aristobot.engine.positions:create": _new(_position),
    "aristobot.engine.replay_report:live_events": Case(_live_events),
    "aristobot.engine.selection:get_spec": Case(
        lambda s, me, it: selection.get_spec(s, me.user_id, it.active_id)),
    "aristobot.engine.selection:activate": Case(_activate),
    "aristobot.engine.selection:suspend": Case(
        lambda s, me, it: selection.suspend(s, me.user_id, it.active_id)),
    "aristobot.engine.selection:resume": Case(
        lambda s, me, it: selection.resume(s, me.user_id, it.active_id, NOW, 20)),
    "aristobot.engine.selection:stop": Case(
        lambda s, me, it: selection.stop(s, me.user_id, it.active_id, NOW)),
    # statistics
    "aristobot.stats.loader:load_trades": Case(
        lambda s, me, it: loader.load_trades(s, me.user_id, loader.TradeFilter())),
    # AI assistant settings
    "aristobot.strategies.ai.config:get_ai_config": Case(
        lambda s, me, it: ai.get_ai_config(s, me.user_id)),
    "aristobot.strategies.ai.config:set_ai_config": Case(
        lambda s, me, it: ai.set_ai_config(s, VAULT, me.user_id, model="autre-modele"),
        sensitive=False),
    "aristobot.strategies.ai.config:make_client": Case(_client),
    # strategies
    "aristobot.strategies.repository:list_strategies": Case(
        lambda s, me, it: strategies.list_strategies(s, me.user_id)),
    "aristobot.strategies.repository:get_strategy": Case(
        lambda s, me, it: strategies.get_strategy(s, me.user_id, it.strategy_id)),
    "aristobot.strategies.repository:create_strategy": _new(
        lambda s, me, it: strategies.create_strategy(s, me.user_id, "Autre")),
    "aristobot.strategies.repository:update_strategy": Case(
        lambda s, me, it: strategies.update_strategy(s, me.user_id, it.strategy_id,
                                                     description="modifiée")),
    "aristobot.strategies.repository:rename_strategy": Case(
        lambda s, me, it: strategies.rename_strategy(s, me.user_id, it.strategy_id, "Autre")),
    "aristobot.strategies.repository:duplicate_strategy": Case(
        lambda s, me, it: strategies.duplicate_strategy(s, me.user_id, it.strategy_id, "Autre")),
    "aristobot.strategies.repository:delete_strategy": Case(
        lambda s, me, it: strategies.delete_strategy(s, me.user_id, it.strategy_id)),
    # trade journal
    "aristobot.trading.trades:record_attempt": _new(_record_attempt),
    "aristobot.trading.trades:apply_order": Case(
        lambda s, me, it: trades.apply_order(s, me.user_id, it.trade_id, _FILLED)),
    "aristobot.trading.trades:mark_failed": Case(
        lambda s, me, it: trades.mark_failed(s, me.user_id, it.trade_id, "error", "panne")),
    "aristobot.trading.trades:recent_trades": Case(
        lambda s, me, it: trades.recent_trades(s, me.user_id)),
    "aristobot.trading.trades:open_trades": Case(
        lambda s, me, it: trades.open_trades(s, me.user_id, it.broker_id)),
    "aristobot.trading.trades:trade_by_order": Case(
        lambda s, me, it: trades.trade_by_order(s, me.user_id, it.broker_id, it.order_id)),
    # webhooks
    "aristobot.webhooks.journal:webhook_log": Case(
        lambda s, me, it: journal.webhook_log(s, me.user_id)),
    "aristobot.webhooks.sources:create_source": Case(
        lambda s, me, it: sources.create_source(s, VAULT, me.user_id, "Autre",
                                                broker_id=it.broker_id)),
    "aristobot.webhooks.sources:update_source": Case(
        lambda s, me, it: sources.update_source(s, VAULT, me.user_id, it.source_id,
                                                enabled=False)),
    "aristobot.webhooks.sources:rotate_source": Case(
        lambda s, me, it: sources.rotate_source(s, VAULT, me.user_id, it.source_id)),
    "aristobot.webhooks.sources:delete_source": Case(
        lambda s, me, it: sources.delete_source(s, me.user_id, it.source_id)),
    "aristobot.webhooks.sources:list_sources": Case(
        lambda s, me, it: sources.list_sources(s, VAULT, me.user_id)),
    "aristobot.webhooks.sources:get_source": Case(
        lambda s, me, it: sources.get_source(s, VAULT, me.user_id, it.source_id)),
}
