"""Two users with the same kind of data in every user-scoped table (the isolation test's world).

``seed`` gives a user a broker, a strategy running live, trades (one from a webhook), a position,
decisions, a webhook source and its log, a backtest result, a web session and AI settings. Both
users get the *same names* (broker « Principal », strategy « EMA », source « TV »), so a
uniqueness check that forgot the user shows up too. The victim (``rich=True``) also has a
testnet broker and a second trade, so that what she sees differs from what the caller sees.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from aristobot.accounts.users import create_user
from aristobot.accounts.web_sessions import open_session
from aristobot.backtest import results_store as rs
from aristobot.brokers import repository as brokers
from aristobot.db.models import WebhookRow
from aristobot.domain.exchange import Order
from aristobot.engine import decisions, positions, selection
from aristobot.security import Vault
from aristobot.strategies import repository as strategies
from aristobot.strategies.ai.config import set_ai_config
from aristobot.sweeps import store as sweep_store
from aristobot.trading import trades
from aristobot.webhooks import sources

VAULT = Vault("test-secret-key-0123456789")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CANDLE = datetime(2026, 3, 2, 11, 55, tzinfo=UTC)
SYMBOL = "BTC/USDT"


@dataclass(frozen=True)
class Seed:
    """The ids of one user's data."""

    name: str
    password: str
    user_id: int
    broker_id: int
    strategy_id: int
    active_id: int
    trade_id: int
    order_id: str
    position_id: int
    source_id: int
    webhook_id: int
    result_id: int
    session_id: int
    sweep_id: int = 0


@functools.cache
def backtest_run() -> tuple[rs.RunInfo, Any]:
    """One small real backtest (computed once per test process)."""
    from aristobot.backtest.synthetic import synthetic_candles
    from aristobot.core.backtest import BacktestParams, run_backtest
    from aristobot.core.strategy_loader import load_strategy
    from aristobot.strategies.examples import EMA_CROSS_EXAMPLE

    candles = synthetic_candles(600, timeframe="5m", seed=3)
    result = run_backtest(candles, load_strategy(EMA_CROSS_EXAMPLE), BacktestParams(window=50))
    info = rs.RunInfo("EMA", EMA_CROSS_EXAMPLE, "binance", SYMBOL, "5m",
                      candles.index[0].to_pydatetime(), candles.index[-1].to_pydatetime())
    return info, result


def _trade(s: Session, name: str, user_id: int, broker_id: int, n: int, **kw: Any) -> int:
    return trades.record_attempt(
        s, user_id=user_id, broker_id=broker_id, exchange="paper", symbol=SYMBOL, side="buy",
        order_type="market", quantity=Decimal(n), price=None, quote_amount=None,
        client_order_id=f"{name}-{n}", **kw)


def seed(s: Session, name: str, *, rich: bool) -> Seed:
    """Create ``name`` and their data; the same shapes (and names) for every user."""
    password = f"motdepasse-{name}-1"
    uid = create_user(s, name, password).id
    broker = brokers.create_broker(s, VAULT, uid, brokers.BrokerDraft(
        "Principal", "paper", paper_capital=Decimal(1000)))
    if rich:
        brokers.create_broker(s, VAULT, uid, brokers.BrokerDraft(
            "Test", "binance", {"apiKey": f"cle-{name}-1234", "secret": "s3cret"},
            is_testnet=True))
    st = strategies.create_strategy(s, uid, "EMA", description=f"stratégie de {name}")
    if rich:
        strategies.create_strategy(s, uid, "Autre")
    active = selection.activate(s, uid, strategy_id=st.id, broker_id=broker.id, symbol=SYMBOL,
                                timeframe="5m", start=NOW - timedelta(days=1),
                                end=NOW + timedelta(days=1), now=NOW, limit=20)
    tid = _trade(s, name, uid, broker.id, 1, source="strategy", active_strategy_id=active,
                 strategy_id=st.id)
    order_id = "ORDRE-1"  # the same exchange order id for both users, on their own brokers
    trades.apply_order(s, uid, tid, Order(
        order_id, f"{name}-1", SYMBOL, "market", "buy", "closed", Decimal(1), Decimal(1),
        None, Decimal(100), Decimal(100), Decimal("0.1"), "USDT"))
    if rich:
        _trade(s, name, uid, broker.id, 2)
    pos = positions.create(
        s, user_id=uid, broker_id=broker.id, strategy_id=st.id, active_strategy_id=active,
        symbol=SYMBOL, quantity=Decimal(1), entry_price=Decimal(100), stop_loss=Decimal(90),
        take_profit=None, protection="engine", entry_trade_id=tid, opened_at=NOW)
    did = decisions.claim(s, user_id=uid, active_strategy_id=active, candle_open_time=CANDLE,
                          timeframe="5m")
    assert did is not None
    decisions.record(s, did, status="decided", action="enter_long", trade_id=tid)
    src = sources.create_source(s, VAULT, uid, "TV", broker_id=broker.id)
    if rich:
        sources.create_source(s, VAULT, uid, "Autre")
    hook = WebhookRow(user_id=uid, source_id=src.id, source="TV", payload={"who": name},
                      raw_body=f'{{"who": "{name}"}}', status="done")
    s.add(hook)
    s.flush()
    _trade(s, name, uid, broker.id, 3, source="webhook", webhook_id=hook.id)
    info, result = backtest_run()
    result_id = rs.save_result(s, uid, info, result)
    _token, session_id = open_session(s, uid, now=NOW)
    set_ai_config(s, VAULT, uid, api_key=f"cle-ia-{name}", model=f"modele-{name}")
    sweep_id = sweep_store.save_sweep(s, uid, *sweep_run(name))
    s.flush()
    return Seed(name, password, uid, broker.id, st.id, active, tid, order_id, pos.id, src.id,
                hook.id, result_id, session_id, sweep_id)


def sweep_run(name: str) -> tuple[sweep_store.SweepInfo, sweep_store.SweepOutcome]:
    """A stored sweep's request and outcome (two runs, a verdict)."""
    info = sweep_store.SweepInfo(f"EMA {name}", "class S(Strategy): params = {'fast': 5}",
                                 "binance", SYMBOL, "1h", NOW - timedelta(days=7), NOW, "grid",
                                 "sharpe", {"fast": [5, 10]}, [], {"cap": 10})
    runs = [{"params": {"fast": f}, "stats": {"sharpe": f / 10}} for f in (5, 10)]
    return info, sweep_store.SweepOutcome("done", runs, 2, {"fast": 10},
                                          {"text": f"verdict {name}"})
