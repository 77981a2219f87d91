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
# # Backtest research with the Aristobot library
#
# Everything here uses the same code as the dashboard: the candle store, the pure simulator,
# the statistics and the Bokeh chart. It runs offline on a seeded synthetic market
# (`aristobot.backtest.synthetic`), stored in a throw-away SQLite database.

# %%
import tempfile
from datetime import UTC, datetime

import pandas as pd
from bokeh.io import output_notebook, show
from IPython.display import display

from aristobot.backtest import candle_store
from aristobot.backtest.synthetic import synthetic_candles
from aristobot.charts.backtest_chart import backtest_chart
from aristobot.core.backtest import BacktestParams, run_backtest
from aristobot.core.strategy_loader import load_strategy
from aristobot.db.engine import make_engine, make_sessionmaker, migrate
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE

output_notebook(hide_banner=True)

# %% [markdown]
# ## 1. Load candles
# Write 30 days of seeded 5-minute candles into the shared `candles` table, then read them
# back as a float64 DataFrame, exactly as a backtest does.

# %%
url = f"sqlite:///{tempfile.mkdtemp()}/research.db"
migrate(url)
sessions = make_sessionmaker(make_engine(url))
market = synthetic_candles(30 * 288, timeframe="5m", seed=11)
with sessions.begin() as s:
    candle_store.write_frame(s, "binance", "BTC/USDT", "5m", market)
with sessions() as s:
    candles = candle_store.read_candles(s, "binance", "BTC/USDT", "5m",
                                        datetime(2024, 1, 1, tzinfo=UTC),
                                        datetime(2024, 2, 1, tzinfo=UTC))
candles.tail()

# %% [markdown]
# ## 2. Backtest the seed's EMA 10/20 strategy (unchanged user code)

# %%
ema = load_strategy(EMA_CROSS_EXAMPLE)
params = BacktestParams(initial_amount=10_000, window=200)
result = run_backtest(candles, ema, params)
stats = pd.Series({k: v for k, v in result.stats.items() if not isinstance(v, dict)})
stats[["final_balance", "total_return_pct", "buy_hold_return_pct", "trades", "win_rate_pct",
       "profit_factor", "max_drawdown_pct", "sharpe", "sortino"]]

# %%
print("look-ahead check:", result.lookahead)
pd.DataFrame(result.trades).head()

# %% [markdown]
# ## 3. The interactive chart
# Candles with volume, entries/exits coloured by win/loss, SL/TP levels, equity and drawdown,
# linked pan/zoom. (`live_zoom=False`: standalone output has no Python server to redraw.)

# %%
show(backtest_chart(candles, result.trades, result.equity, theme="light", live_zoom=False))

# %% [markdown]
# ## 4. Compare two parameter sets
# The same strategy with EMA 5/30 instead of 10/20 (only the lengths change).

# %%
variant = EMA_CROSS_EXAMPLE.replace("length=10", "length=5").replace("length=20", "length=30")
result_b = run_backtest(candles, load_strategy(variant), params)
keys = ["final_balance", "total_return_pct", "trades", "win_rate_pct", "max_drawdown_pct",
        "sharpe", "profit_factor"]
comparison = pd.DataFrame({"EMA 10/20": [result.stats[k] for k in keys],
                           "EMA 5/30": [result_b.stats[k] for k in keys]}, index=keys)
display(comparison)

# %% [markdown]
# ## 5. The look-ahead check on a deliberately biased strategy
# This strategy peeks at the next candle with `shift(-1)`. Live, the next candle does not
# exist yet; the fast path would see it. Every backtest re-evaluates sampled bars exactly and
# compares: the mismatch is flagged with the first bars that differ.

# %%
BIASED = '''
class Voyant(Strategy):
    def __init__(self, candles, balance, position=None):
        super().__init__(candles, balance, position)
        # The bias: each row gets the NEXT candle's close (unknown live).
        self.candles["next_close"] = self.candles["close"].shift(-1)

    def should_long(self) -> bool:
        return bool(self.candles["next_close"].iloc[-1] > self.candles["close"].iloc[-1] * 1.001)

    def should_short(self) -> bool:
        return bool(self.candles["next_close"].iloc[-1] < self.candles["close"].iloc[-1])

    def calculate_position_size(self) -> float:
        return self.balance * 0.1

    def calculate_stop_loss(self) -> float:
        return 0.0

    def calculate_take_profit(self) -> float:
        return 0.0
'''
biased = run_backtest(candles, load_strategy(BIASED), params)
report = biased.lookahead
print("ok:", report.ok, "- checked bars:", report.checked_bars)
print("first differing bars:", [str(candles.index[b]) for b in report.mismatches[:5]])
assert not report.ok, "the biased strategy must be flagged"
assert result.lookahead.ok, "the EMA example must not be flagged"
