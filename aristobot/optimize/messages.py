"""Every French text ``aristobot.optimize`` shows a user, in one place.

Templates use ``str.format`` fields; the code that raises or shows a message takes it from
here, so a wording is changed once.
"""

from __future__ import annotations

# --- validation and runs ---------------------------------------------------------------------
CONSTRAINT_INVALID = "Contrainte « {text} » invalide : {why}."
CONSTRAINT_TOO_LONG = "plus de {limit} caractères"
CONSTRAINT_SYNTAX = "syntaxe incorrecte (ex. « fast < slow »)"
CONSTRAINT_NOT_A_PARAM = "« {name} » n'est pas un paramètre (paramètres : {known})"
CONSTRAINT_OPERATOR = "opérateur non permis"
CONSTRAINT_NUMBERS_ONLY = "seuls des nombres sont permis"
CONSTRAINT_EXPONENT = "l'exposant doit être un entier de 0 à 8"
CONSTRAINT_ELEMENT = "élément non permis ({kind})"
CANDLES_NOT_FRAME = "Les bougies doivent être un DataFrame pandas."
RUN_WORKER_DIED = ("Le processus de calcul exécutant ce point s'est arrêté à plusieurs reprises : "
                   "point non calculé.")
RUN_LOST = "Calcul annulé ou données perdues sur le cluster : point non calculé."
RUN_FAILED = "Échec du calcul distribué ({name}) : point non calculé."
RUN_CANCELLED = "Calcul annulé sur le cluster : point non calculé."
ISOLATION_UNKNOWN = "Isolation inconnue « {isolation} » (sandbox ou process)."
SANDBOX_NEEDS_CODE = "En mode isolé, la stratégie se donne par son code source."
OBJECTIVE_LABELS = {
    "sharpe": "Ratio de Sharpe", "sortino": "Ratio de Sortino", "calmar": "Ratio de Calmar",
    "total_return_pct": "Rendement total (%)", "annual_return_pct": "Rendement annualisé (%)",
    "net_profit": "Profit net", "profit_factor": "Facteur de profit",
    "win_rate_pct": "Taux de réussite (%)", "expectancy": "Espérance par trade",
    "max_drawdown_pct": "Drawdown maximal (%)",
}
OBJECTIVE_UNKNOWN = "Objectif inconnu « {objective} » (au choix : {names})."
HEATMAP_AXES = "Paramètres « {x} » / « {y} » absents du balayage."
RANGE_INTS = "« {name} » : bornes et pas entiers attendus, reçu {value}."
RANGE_ORDER = "« {name} » : il faut min ≤ max et un pas > 0."
RANGE_TOO_MANY = "« {name} » : plus de {limit} valeurs."
RANGE_NUMBERS = "« {name} » : bornes et pas numériques attendus, reçu {value}."
CHOICE_EMPTY = "« {name} » : au moins une valeur est attendue."
CHOICE_NOT_NUMBER = "« {name} » : valeur non numérique {value}."
CHOICE_DUPLICATES = "« {name} » : valeurs en double."
SPACE_EMPTY = "Aucun paramètre à faire varier."
RANGE_EMPTY = "« {name} » : intervalle vide."
RANGE_UNKNOWN = "« {name} » : plage non reconnue {spec} (min, max, pas) ou liste de valeurs."
GRID_TOO_BIG = ("{size} combinaisons : trop pour une grille (au plus {limit}) ; élargissez les pas "
                "ou utilisez la recherche aléatoire.")
GRID_OVER_CAP = ("Plus de {cap} combinaisons valides : réduisez les plages, élargissez les pas, "
                 "ajoutez des contraintes ou utilisez la recherche aléatoire.")
GRID_NONE_VALID = "Aucune combinaison ne respecte les contraintes."
DRAWS_INVALID = "Le nombre de tirages doit être un entier ≥ 1."
DRAWS_OVER_CAP = "{n} tirages dépassent la limite de {cap} exécutions."
DRAWS_NONE_VALID = "Aucune combinaison tirée ne respecte les contraintes."
STRATEGY_INVALID = "Stratégie invalide : {why}"
NO_POINTS = "Aucune combinaison de paramètres à tester."
POINTS_OVER_CAP = "{count} exécutions dépassent la limite de {cap}."
NONE_DECLARED = "aucun (déclarez params = {...})"
UNDECLARED = "Paramètre(s) non déclaré(s) par la stratégie : {unknown} (déclarés : {known})."
POINT_NOT_RUN = "Point non calculé."
SAMPLES_RANGE = "Échantillons de rendements : entre 2 et {limit}."
OUT_OF_MEMORY = "Mémoire épuisée pendant ce backtest."
WF_KIND_UNKNOWN = "Fenêtres « {kind} » inconnues (rolling ou anchored)."
WF_SPLITS = "Le nombre de fenêtres doit être un entier de 1 à 100."
WF_FRACTION = "La part d'apprentissage doit être entre 0 et 1 (exclus)."
WF_TOO_SHORT = ("{bars} bougies ne suffisent pas pour {splits} fenêtres : réduisez leur nombre ou "
                "allongez la période.")
WF_NO_IN_SAMPLE = "Aucun point n'a de résultat en apprentissage."
SCHEDULER_UNREACHABLE = ("planificateur Dask injoignable : vérifiez que « dask scheduler » "
                         "tourne à cette adresse et que ce poste peut la joindre")

# --- walk-forward verdict -----------------------------------------------------------------------
WF_FLAGGED = ("Attention : la vérification d'exactitude (anti-biais d'anticipation) a signalé "
              "au moins une exécution ; cette analyse n'est pas fiable.")
WF_NOTHING_JUDGED = ("Aucune fenêtre n'a pu être jugée hors échantillon : allongez la période "
                     "ou réduisez le nombre de fenêtres.")
WF_SUMMARY = ("Hors échantillon, {positive} fenêtre(s) sur {judged} gagnent de l'argent "
              "(rendement moyen {oos} % par fenêtre, contre {is_} % en apprentissage).")
WF_EFFICIENCY = ("Efficacité walk-forward : {efficiency:.0f} % (rendement par bougie hors "
                 "échantillon rapporté à celui en apprentissage).")
WF_ROBUST = ("Verdict : les paramètres choisis en apprentissage tiennent hors échantillon ; "
             "résultat encourageant, à confirmer sur d'autres périodes.")
WF_FRAGILE = ("Verdict : résultat fragile, les performances chutent nettement hors échantillon ; "
              "ne pas se fier à ces paramètres sans autre preuve.")
WF_FAILS = ("Verdict : les paramètres choisis en apprentissage ne tiennent pas hors échantillon ; "
            "le résultat en apprentissage s'explique probablement par le sur-apprentissage.")


def decimal(value: float, places: int = 2) -> str:
    """A number as a French reader writes it (decimal comma)."""
    return f"{value:.{places}f}".replace(".", ",")

# --- overfitting guard ----------------------------------------------------------------------------
TRIALS_MIN = "Le nombre d'essais doit être ≥ 1."
PBO_TRIALS = "PBO : il faut au moins 2 essais."
PBO_PARTITIONS = "PBO : le nombre de partitions doit être pair et ≥ 2."
PBO_METRIC = "PBO : mesure inconnue « {metric} »."
PBO_PERIODS = "PBO : pas assez de périodes (ou valeurs non finies)."
GUARD_FLAGGED = ("Attention : la vérification d'exactitude (anti-biais d'anticipation) a "
                 "signalé au moins une exécution ; ces résultats ne sont pas fiables.")
GUARD_NO_DATA = "Pas assez de données pour juger le sur-apprentissage."
GUARD_PBO_HIGH = ("Sur-apprentissage probable : dans {pbo} des découpages, les meilleurs "
                  "paramètres en apprentissage finissent dans la moitié basse hors échantillon.")
GUARD_PBO = "Probabilité de sur-apprentissage (PBO) : {pbo}."
GUARD_DSR_OK = ("Le meilleur résultat reste significatif malgré {trials} essais (Sharpe dégonflé : "
                "{dsr}).")
GUARD_DSR_LOW = ("Le meilleur résultat peut s'expliquer par la chance après {trials} essais "
                 "(Sharpe dégonflé : {dsr}, il faudrait au moins 95 %).")
GUARD_ROBUST = "Verdict : résultat robuste."
GUARD_CAUTION = "Verdict : prudence, ne pas se fier à ces paramètres sans autre preuve."
