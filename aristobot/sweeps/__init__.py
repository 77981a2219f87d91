"""Parameter sweeps of the dashboard's users: stored sweeps, their records, candles and runs.

``store`` keeps sweeps per user (table ``sweeps``), ``records`` turns the page's ranges into
the engine's points and runs into JSON-safe records, ``service`` loads a sweep's candles and
re-runs one point in the strategy worker pool. The sweeps themselves run on Dask through
``aristobot.optimize``.
"""
