"""Every French text ``aristobot.research`` shows a user, in one place.

Templates use ``str.format`` fields; the code that raises or shows a message takes it from
here, so a wording is changed once.
"""

from __future__ import annotations

# --- research facade ------------------------------------------------------------------------------
DATE_UNREADABLE = "{name} illisible : « {value} » (ex. 2024-03-01)"
START = "début"
END = "fin"
DATES_ORDER = "la date de fin doit être après la date de début"
STRATEGY_EXPECTED = ("stratégie attendue : code source, classe Strategy ou "
                     "research.strategy(\"nom\")")
USER_NEEDED = "précisez l'utilisateur : research.strategy(nom, user=…) (utilisateurs : {names})"
NONE_F = "aucune"
NONE_M = "aucun"
USER = "Utilisateur « {user} »"
STRATEGY_OF = "Stratégie « {name} » de {user} (stratégies : {available})"
