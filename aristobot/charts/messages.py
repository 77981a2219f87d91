"""Every French text of the charts (axis labels, legends, titles, tooltips), in one place.

Tooltips are Bokeh templates (``@field{format}``); templates with ``str.format`` fields are
filled at the call site, so a wording is changed once.
"""

from __future__ import annotations

# --- backtest chart (backtest_chart.py) -------------------------------------------------------
PRICE = "Prix"
VOLUME = "Volume"
EQUITY = "Équité"
DRAWDOWN = "Drawdown %"
TIME_AXIS = "Heure ({tz})"
STOP_LOSS = "Stop loss"
TAKE_PROFIT = "Take profit"
ENTRY = "Entrée"
EXIT = "Sortie"
EQUITY_TOOLTIPS = [("Date", "@t{%F %H:%M}"), ("Équité", "@equity{0,0.00}")]
CANDLE_TOOLTIPS = [("Ouverture", "@t{%F %H:%M}"), ("O", "@open{0,0.00}"),
                   ("H", "@high{0,0.00}"), ("B", "@low{0,0.00}"), ("C", "@close{0,0.00}"),
                   ("Vol", "@volume{0,0.000}")]
TRADE_TOOLTIPS = [
    ("Trade", "#@n (@side)"),
    ("Entrée", "@entry_t{%F %H:%M} à @entry_price{0,0.00}"),
    ("Sortie", "@exit_t{%F %H:%M} à @exit_price{0,0.00} (@reason)"),
    ("Quantité", "@quantity{0,0.000000}"),
    ("P&L", "@pnl{0,0.00} (@pnl_pct{0.00%})"),
    ("Frais", "@fees{0,0.00}"),
    ("SL / TP", "@sl{0,0.00} / @tp{0,0.00}"),
    ("Solde après", "@balance_after{0,0.00}"),
]

# --- statistics (stats_chart.py) --------------------------------------------------------------
EQUITY_TITLE = "Évolution du solde (P&L réalisé cumulé, devise de cotation)"
EQUITY_CURVE_TOOLTIPS = [("Date", "@t{%F %T}"), ("P&L cumulé", "@equity{0,0.00}")]
PNL_TITLE = "P&L réalisé par origine"
PNL_COLUMN = "P&L réalisé"  # the summary table's column the bars read
ORIGIN_COLUMN = "Origine"
TOTAL_ROW = "Total"
PNL_TOOLTIPS = [("Origine", "@name"), ("P&L", "@pnl{0,0.00}")]
