"""What the trade statistics show users (French): column and origin labels.

The package's text catalog (convention: :mod:`aristobot.messages`).
"""

from __future__ import annotations

# columns of the summary table
ORIGIN = "Origine"
TRADES = "Trades"
SELLS = "Ventes"
WINS = "Gagnantes"
WIN_RATE = "Taux de réussite (%)"
REALISED_PNL = "P&L réalisé"
FEES = "Frais"
MAX_DRAWDOWN = "Drawdown max"
TOTAL = "Total"

# where a trade came from
MANUAL = "Manuel"
STRATEGY_PREFIX = "Stratégie : "
WEBHOOK_PREFIX = "Webhook : "
