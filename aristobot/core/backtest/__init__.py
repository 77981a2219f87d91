"""Backtest simulator (pure)."""
