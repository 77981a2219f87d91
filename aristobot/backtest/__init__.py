"""Backtest application layer: candles (store, loader), worker job, results store, service.

The simulator itself is the pure core (``aristobot.core.backtest``); this package feeds it
candles from the shared ``candles`` table, runs it in a strategy worker and keeps the results.
"""
