"""Every French text of the « Optimisation » mode (``ui/optimisation_*``), in one place.

Templates use ``str.format`` fields; the code that raises or shows a message takes it from
here, so a wording is changed once.
"""

from __future__ import annotations

# --- « Optimisation » mode ------------------------------------------------------------------------
PAST_COLUMNS = ["id", "Analyse", "Stratégie", "Symbole", "TF", "Période", "Runs", "Statut",
                "Meilleurs"]
ANALYSES = {"Balayage": "sweep", "Walk-forward": "walk_forward"}
ANALYSIS_NAMES = {True: "Walk-forward", False: "Balayage"}  # stored entry: is a walk-forward?
WALK_WINDOWS = {"Glissantes": "rolling", "Ancrées": "anchored"}
STATUSES = {"done": "terminé", "cancelled": "annulé"}
UNEXPECTED = ("Erreur inattendue pendant l'optimisation. Les détails sont dans le journal du "
              "serveur ; réessayez ou signalez le problème.")
NO_PARAMS_HINT = ("Cette stratégie ne déclare pas de paramètres : ajoutez "
                  "params = {\"rapide\": 10, …} à sa classe pour l'optimiser.")
PICK_STRATEGY = "choisissez une stratégie (ou créez-en une)"
NO_PARAMS = "cette stratégie ne déclare pas de paramètres (params)"
PICK_DATES = "choisissez les dates de début et de fin"
DATES_ORDER = "la date de fin doit être après la date de début"
LOADING = "Chargement des bougies ({runs} runs prévus)…"
CANCELLED_LOADING = "Optimisation annulée pendant le chargement des bougies."
RUNNING = "Optimisation en cours : {runs} runs sur {candles} bougies."
SWEEP_DONE = "Optimisation terminée : {done}/{total} runs, enregistrée (n° {id})."
SWEEP_CANCELLED = "Optimisation annulée : {done}/{total} runs, enregistrée (n° {id})."
WALK_DONE = ("Walk-forward terminé : {judged}/{windows} fenêtres jugées hors échantillon, "
             "enregistré (n° {id}).")
WALK_CANCELLED = ("Walk-forward annulé : {judged}/{windows} fenêtres jugées hors échantillon, "
                  "enregistré (n° {id}).")
FLAGGED = ("Attention : au moins un run a échoué à la vérification look-ahead ; tout le "
           "balayage est suspect. ")
REOPENED = "Optimisation n° {id} rouverte ({label})."
DELETED = "Optimisation n° {id} supprimée."
RUN_MISSING = "Run introuvable : relancez ou rouvrez une optimisation."
OPENING = "Ouverture du run {label}…"
OPENED = "Run {label} : rendement {ret:.2f} %, {trades} trades, Sharpe {sharpe:.2f}"
PICK_PAST = "Choisissez d'abord une optimisation dans la liste."
HEATMAP_HINT = ("<div class='ab-muted'>La carte de chaleur montre l'objectif selon deux "
                "paramètres ; cliquez une case pour ouvrir ce run.</div>")
WALK_HINT = ("<div class='ab-muted'>Une ligne par fenêtre : les meilleurs paramètres en "
             "apprentissage et leur résultat hors échantillon, côte à côte.</div>")
WALK_FORM_HINT = ("<div class='ab-muted'>Chaque fenêtre choisit les meilleurs paramètres en "
                  "apprentissage puis les juge sur la période suivante, hors échantillon. "
                  "Glissantes : apprentissage de longueur fixe ; ancrées : depuis la première "
                  "bougie.</div>")
RANGES_HINT = ("<b>Plages des paramètres</b> (De, À et Pas modifiables ; décochez « Balayer » "
               "pour garder la valeur par défaut)")

# --- progress and verdict -------------------------------------------------------------------------
COUNT = "{done} / {total} {unit}"
UNIT_RUNS = "backtests"  # a sweep, or a walk-forward while it runs: one per backtest
UNIT_WINDOWS = "fenêtres jugées"  # a finished walk-forward: windows judged out of sample
VERDICT_TITLE = "Robustesse du résultat"  # the verdict's own text starts its last sentence
# with « Verdict : »

# --- widget labels --------------------------------------------------------------------------------
MODES = ("Backtest", "Optimisation")
TITLE = "## Optimisation des paramètres"
STRATEGY = "Stratégie"
BROKER = "Broker (marché)"
SYMBOL = "Symbole"
TIMEFRAME = "Timeframe"
START = "Début"
END = "Fin (incluse)"
AMOUNT = "Montant de départ"
FEES = "Frais (%)"
CONSTRAINTS = "Contraintes"
CONSTRAINTS_EXAMPLE = "ex. fast < slow ; slow - fast >= 5"
OBJECTIVE = "Objectif"
METHODS = {"Grille": "grid", "Aléatoire": "random"}
RANDOM_RUNS = "Tirages (aléatoire)"
CAP = "Runs au plus"
ANALYSIS = "<b>Analyse</b>"
WALK_SPLITS = "Fenêtres"
WALK_IN_SAMPLE = "Apprentissage (%)"
RUN = "Lancer l'optimisation"
CANCEL = "Annuler"
HEATMAP_TITLE = "Objectif : {objective}"
RESULT_TABS = ("Carte de chaleur", "Tableau", "Walk-forward", "Optimisations passées")
REOPEN = "Rouvrir"
DELETE = "Supprimer"
