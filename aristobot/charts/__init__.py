"""Bokeh charts shared by the dashboard and the notebooks (``backtest_chart``)."""
