"""Every French text ``aristobot.sweeps`` shows a user, in one place.

Templates use ``str.format`` fields; the code that raises or shows a message takes it from
here, so a wording is changed once.
"""

from __future__ import annotations

# --- sweeps ---------------------------------------------------------------------------------------
RANGE_COLUMNS = ["Paramètre", "Défaut", "De", "À", "Pas", "Balayer"]
STAT_COLUMNS = {"objective": "Objectif", "trades": "Trades",
                "total_return_pct": "Rendement %", "max_drawdown_pct": "Drawdown %",
                "sharpe": "Sharpe", "win_rate_pct": "Réussite %"}
WALK_COLUMNS = ["Fenêtre", "Paramètres", "Objectif appr.", "Objectif test",
                "Rendement appr. %", "Rendement test %", "Trades appr.", "Trades test",
                "Apprentissage du", "Test du", "au", "Erreur"]
RUN_COLUMNS = {"run": "n°", "lookahead": "Look-ahead", "error": "Erreur"}
PARAM_UNKNOWN = "paramètre inconnu « {name} »"
RANGE_ORDER = "« {name} » : il faut De ≤ À et un pas positif"
RANGE_INTEGER = "« {name} » est entier : De, À et Pas aussi"
NOTHING_SWEPT = "cochez au moins un paramètre à balayer"
RANGE_VALUE = "« {name} » : valeur « {column} » invalide"
METHOD_UNKNOWN = "méthode inconnue « {method} » (grid ou random)"
STATUS_UNKNOWN = "statut de sweep inconnu « {status} »"
SPACE_EMPTY = "un sweep explore au moins un paramètre"
DATES_ORDER = "la date de fin doit être après la date de début"
TOO_MANY_RUNS = "trop de runs pour être enregistrés (au plus {limit})"
RUNS_OVER_PLAN = "plus de runs terminés que prévus"
RUN_WITHOUT_PARAMS = "chaque run doit porter ses paramètres"
NO_CANDLES = "aucune bougie {symbol} {timeframe} disponible pour cette période"
UNREADABLE_RESULT = "le processus isolé a renvoyé un résultat illisible"
