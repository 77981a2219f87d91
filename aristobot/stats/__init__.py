"""Trading statistics for the « Statistiques » page: load a user's trades, compute metrics."""

from aristobot.stats.loader import TradeFilter, load_trades
from aristobot.stats.metrics import SUMMARY_COLUMNS, Stats, compute_stats, max_drawdown

__all__ = ["SUMMARY_COLUMNS", "Stats", "TradeFilter", "compute_stats", "load_trades",
           "max_drawdown"]
