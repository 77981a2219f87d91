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
# `from aristobot import research` is all a notebook needs: it opens the workbench's own
# database (the one the dashboard uses, from `.env` / `ARISTOBOT_*`), fetches the candles it
# lacks from the exchange with a progress bar, and runs the dashboard's simulator, statistics
# and chart. Offline (`./run.sh --offline`, or CI) the same calls go to the local replay of
# Binance; with internet they get Binance's real candles.

# %%
import pandas as pd
from bokeh.io import output_notebook, show
from IPython.display import display

from aristobot import research
from aristobot.errors import AristobotError
from aristobot.strategies.examples import EMA_CROSS_EXAMPLE, EMA_CROSS_PARAMS_EXAMPLE

output_notebook(hide_banner=True)

# %% [markdown]
# ## 1. Candles
# Three weeks of hourly BTC/USDT candles: read from the database, the missing ones fetched
# first (a second run reads them from the database only).

# %%
candles = research.candles("binance", "BTC/USDT", "1h", "2024-03-01", "2024-03-22")
print(len(candles), "candles from", candles.index[0], "to", candles.index[-1])
candles.tail()

# %% [markdown]
# ## 2. Backtest the seed's EMA 10/20 strategy (unchanged user code)

# %%
run = research.backtest(EMA_CROSS_EXAMPLE, candles, window=600)
run.stats[["final_balance", "total_return_pct", "buy_hold_return_pct", "trades",
           "win_rate_pct", "profit_factor", "max_drawdown_pct", "sharpe", "sortino"]]

# %%
print("look-ahead check passed:", run.lookahead_ok)
run.trades.head()

# %% [markdown]
# ## 3. The interactive chart
# Candles with volume, entries/exits coloured by win/loss, SL/TP levels, equity and drawdown,
# linked pan/zoom.

# %%
show(research.chart(run))

# %% [markdown]
# ## 4. Compare two parameter sets
# The same strategy with its lengths declared as `params = {"fast": 10, "slow": 20}`: a
# backtest takes other values without touching the code.

# %%
variant = research.backtest(EMA_CROSS_PARAMS_EXAMPLE, candles, window=600,
                            params={"fast": 5, "slow": 30})
same = research.backtest(EMA_CROSS_PARAMS_EXAMPLE, candles, window=600)
keys = ["final_balance", "total_return_pct", "trades", "win_rate_pct", "max_drawdown_pct",
        "sharpe", "profit_factor"]
display(pd.DataFrame({"EMA 10/20": run.stats[keys], "EMA 5/30": variant.stats[keys]}))
assert same.result.stats["final_balance"] == run.result.stats["final_balance"]

# %% [markdown]
# ## 5. A strategy stored on the « Stratégies » page
# `research.strategy("name", user="alice")` returns a user's stored strategy (its code and
# window), ready for `research.backtest`. This throw-away workbench has no user yet, so the
# French error says so.

# %%
try:
    mine = research.strategy("EMA 10/20", user="alice")
    show(research.chart(research.backtest(mine, candles)))
except AristobotError as e:
    print(e.user_message())

# %% [markdown]
# ## 6. The look-ahead check on a deliberately biased strategy
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
biased = research.backtest(BIASED, candles, window=600)
report = biased.result.lookahead
print("ok:", report.ok, "- checked bars:", report.checked_bars)
print("first differing bars:", [str(candles.index[b]) for b in report.mismatches[:5]])
assert not report.ok, "the biased strategy must be flagged"
assert run.lookahead_ok, "the EMA example must not be flagged"
