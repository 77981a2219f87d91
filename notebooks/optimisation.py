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
# # Which parameters, and is it luck?
#
# A parameter sweep on Dask (a LocalCluster here; `ARISTOBOT_DASK_SCHEDULER=tcp://host:8786`
# sends the same runs to an existing cluster), its heatmap, a walk-forward that judges the
# best in-sample parameters only out of sample, the overfitting guard (Deflated Sharpe Ratio,
# probability of backtest overfitting) in plain French, then the chosen parameters' full
# backtest and chart. Kept small so that it runs in CI: three weeks of hourly candles, a
# handful of parameter pairs.

# %%
from bokeh.io import output_notebook, show
from bokeh.models import ColumnDataSource, LinearColorMapper
from bokeh.palettes import Viridis256
from bokeh.plotting import figure
from IPython.display import display

from aristobot import research
from aristobot.strategies.examples import EMA_CROSS_PARAMS_EXAMPLE

output_notebook(hide_banner=True)
print(EMA_CROSS_PARAMS_EXAMPLE.split("def __init__")[0])

# %%
candles = research.candles("binance", "BTC/USDT", "1h", "2024-03-01", "2024-03-22")
space = {"fast": (4, 12, 4), "slow": (16, 32, 8)}  # (start, stop, step), stop included
constraints = ["fast < slow"]
print(len(research.points(space, constraints)), "parameter pairs on", len(candles), "candles")

# %% [markdown]
# ## 1. The sweep
# Every pair is one unchanged backtest (fast path and its look-ahead check), run in the Dask
# workers; the candles are sent to each worker once.

# %%
sweep = research.sweep(EMA_CROSS_PARAMS_EXAMPLE, candles, space, constraints,
                       objective="sharpe", window=600)
table = sweep.to_frame()
table[["fast", "slow", "objective", "trades", "total_return_pct", "max_drawdown_pct",
       "lookahead_ok"]]

# %% [markdown]
# ## 2. The heatmap
# The objective (Sharpe) over the two parameters.

# %%
heat = sweep.heatmap("fast", "slow")
cells = heat.stack().rename("sharpe").reset_index()
cells = cells.astype({"fast": str, "slow": str})
mapper = LinearColorMapper(palette=Viridis256, low=cells.sharpe.min(), high=cells.sharpe.max())
fig = figure(x_range=sorted(cells.fast.unique(), key=int),
             y_range=sorted(cells.slow.unique(), key=int), height=300, width=420,
             x_axis_label="fast", y_axis_label="slow", title="Sharpe par paire (fast, slow)",
             tools="hover", tooltips=[("fast", "@fast"), ("slow", "@slow"),
                                      ("Sharpe", "@sharpe{0.00}")])
fig.rect("fast", "slow", 1, 1, source=ColumnDataSource(cells),
         fill_color={"field": "sharpe", "transform": mapper}, line_color=None)
show(fig)
display(heat)

# %% [markdown]
# ## 3. Is it luck? The overfitting guard
# The Deflated Sharpe Ratio discounts the best Sharpe for the number of trials; the
# probability of backtest overfitting (combinatorially symmetric cross-validation) is how
# often the in-sample best falls below the median out of sample.

# %%
best = sweep.best
print("best parameters:", best.params, "- Sharpe", round(best.objective, 2))
print("Deflated Sharpe Ratio:", None if sweep.dsr is None else round(sweep.dsr, 3))
print("PBO:", None if sweep.pbo is None else round(sweep.pbo, 3))
print("look-ahead flag on the sweep:", sweep.flagged)
print()
print(sweep.verdict)

# %% [markdown]
# ## 4. Walk-forward
# Rolling windows: each window's best in-sample pair is judged only on the next,
# out-of-sample, slice. In-sample and out-of-sample side by side.

# %%
wf = research.walk_forward(EMA_CROSS_PARAMS_EXAMPLE, candles, space, constraints,
                           objective="sharpe", windows="rolling", n_splits=2, window=600)
wf.to_frame()[["window", "start", "split", "end", "param_fast", "param_slow", "is_objective",
               "oos_objective", "is_return_pct", "oos_return_pct"]]

# %% [markdown]
# ## 5. The chosen parameters' full backtest and chart

# %%
chosen = research.backtest(EMA_CROSS_PARAMS_EXAMPLE, candles, window=600, params=best.params)
display(chosen.stats[["total_return_pct", "trades", "win_rate_pct", "max_drawdown_pct",
                      "sharpe"]])
# The sweep's run and the single backtest of the same parameters agree.
assert abs(chosen.result.stats["sharpe"] - best.objective) < 1e-9
assert len(chosen.trades) == best.trades
show(research.chart(chosen))
