# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # « Rejouer »: why do live and backtest disagree?
#
# The live engine keeps a snapshot of every decision (candle range and hash, inputs, outputs,
# timings). « Rejouer » runs the backtester over the same candles with the same code and lists,
# signal by signal, what differed. This notebook builds that report offline: the seed's EMA
# example runs through the **real live engine** (isolated worker pool, paper broker, decisions
# journal) on a synthetic market fed candle by candle, with one fill deliberately delayed.

# %%
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from IPython.display import display

from aristobot.accounts.users import create_user
from aristobot.backtest import candle_store
from aristobot.backtest.synthetic import synthetic_candles
from aristobot.brokers import ensure_default_paper_broker
from aristobot.brokers.connections import get_manager
from aristobot.config import Secret, Settings
from aristobot.domain.timeframe import utc_to_ms
from aristobot.engine import selection
from aristobot.engine.decisions import list_decisions
from aristobot.engine.replay_report import replay
from aristobot.engine.service import Engine
from aristobot.engine.stored_prices import StoredClosePrices
from aristobot.runtime import build_runtime
from aristobot.strategies import StrategyPool
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE
from aristobot.strategies.repository import create_strategy

var = Path(tempfile.mkdtemp())
settings = Settings(var_dir=var, database_url=f"sqlite:///{var}/notebook.db",
                    secret_key=Secret("notebook-secret-key-0123456789"),
                    binance_rest_url="http://127.0.0.1:9", binance_ws_url="ws://127.0.0.1:9")
runtime = build_runtime(settings)
prices = StoredClosePrices(runtime.sessions)
get_manager(runtime).prices = prices  # paper fills at the close of the candle just decided on
pool = StrategyPool(1, call_timeout_s=10.0)

candles = synthetic_candles(240, seed=7)
start, end = candles.index[0].to_pydatetime(), candles.index[-1].to_pydatetime()
with runtime.sessions.begin() as s:
    user = create_user(s, "analyste", "motdepasse-analyste-1")
    broker = ensure_default_paper_broker(s, user.id, "10000")
    strategy = create_strategy(s, user.id, "EMA 10/20", EMA_CROSS_EXAMPLE, timeframe="1m",
                               window_size=60)
    active_id = selection.activate(s, user.id, strategy_id=strategy.id, broker_id=broker.id,
                                   symbol="BTC/USDT", timeframe="1m", start=start,
                                   end=end.replace(year=end.year + 1), now=start, limit=20)

# %% [markdown]
# ## 1. Live: candles arrive one by one, each closed candle is a `Heartbeat` signal

# %%
engine = Engine(runtime, decider=pool, fetch_candles=False)
late_at = None
for i, t in enumerate(candles.index):
    with runtime.sessions.begin() as s:
        candle_store.write_frame(s, "binance", "BTC/USDT", "1m", candles.iloc[i:i + 1])
    close_ms = utc_to_ms(t.to_pydatetime()) + 60_000
    payload = {"timeframe": "1m", "open_time_ms": utc_to_ms(t.to_pydatetime()),
               "close_time_ms": close_ms}
    report = await engine.on_signal(payload)  # noqa: F704 (top-level await in the kernel)
    outcome = report.outcomes[0]
    if outcome.action == "enter_long" and late_at is None and i > 60:
        late_at = t  # the next entry would be filled late: see below

with runtime.sessions() as s:
    decisions = list_decisions(s, user.id, active_id)
print(f"{len(decisions)} live decisions, "
      f"{sum(1 for d in decisions if d.trade_id)} orders; snapshot of the last one:")
last = decisions[-1]
print({"candles": (last.candles_from, last.candles_to, last.candles_count),
       "hash": last.candles_hash[:16], "inputs": last.inputs, "outputs": last.outputs,
       "timings_ms": last.timings})

# %% [markdown]
# ## 2. « Rejouer »: same candles, same code, through the backtester

# %%
result = await replay(runtime.sessions, pool.run_job, user.id, active_id, start,  # noqa: F704
                      end + timedelta(minutes=1))
print(f"{len(result.rows)} order signals compared, {len(result.differences)} difference(s)")
display(result.frame())
assert not result.differences, "live and backtest agree on every signal"

# %% [markdown]
# ## 3. A late fill shows up
#
# The same run again on a fresh account, but one entry is filled 0.3 % above the close of its
# candle (as a fill that arrives late on a moving market would be).

# %%
with runtime.sessions.begin() as s:
    user2 = create_user(s, "analyste2", "motdepasse-analyste-2")
    broker2 = ensure_default_paper_broker(s, user2.id, "10000")
    strategy2 = create_strategy(s, user2.id, "EMA 10/20", EMA_CROSS_EXAMPLE, timeframe="1m",
                                window_size=60)
    active2 = selection.activate(s, user2.id, strategy_id=strategy2.id, broker_id=broker2.id,
                                 symbol="BTC/USDT", timeframe="1m", start=start,
                                 end=end.replace(year=end.year + 1), now=start, limit=20)
    selection.stop(s, user.id, active_id, start)  # only the second account trades now
# the candles are already stored: the second engine reads the same windows
engine2 = Engine(runtime, decider=pool, fetch_candles=False)
full = candles.copy()
for i, t in enumerate(full.index):
    # the price source reads the latest stored candle: pin it to this candle's close
    prices.override["BTC/USDT"] = Decimal(str(full["close"].iloc[i]))
    payload = {"timeframe": "1m", "open_time_ms": utc_to_ms(t.to_pydatetime()),
               "close_time_ms": utc_to_ms(t.to_pydatetime()) + 60_000}
    if t == late_at:
        prices.override["BTC/USDT"] = Decimal(str(round(full["close"].iloc[i] * 1.003, 2)))
    await engine2.on_signal(payload)  # noqa: F704
prices.override.clear()
late = await replay(runtime.sessions, pool.run_job, user2.id, active2, start,  # noqa: F704
                    end + timedelta(minutes=1))
display(late.frame()[late.frame()["Verdict"] != "identique"])
assert [r.at for r in late.differences][:1] == [late_at], "the late fill is reported"

# %%
await pool.aclose()  # noqa: F704
await runtime.aclose()  # noqa: F704
