"""Every French text the backtest engine gives the user (validation errors, look-ahead reports).

One place owns each message: the engine's modules build their texts through these constants
and functions, never inline. Times are UTC (the engine's reports are stored as written).
"""

from __future__ import annotations

from datetime import datetime

from aristobot.core.strategy_api import Action, Decision

# -- validation of a run (runner.validate_inputs) ----------------------------------------

BAD_INITIAL_AMOUNT = "Le montant initial doit être un nombre positif."
BAD_FEES = "Les frais doivent être une fraction entre 0 et 1."
BAD_SLIPPAGE = "Le glissement doit être une fraction entre 0 et 1."
BAD_WINDOW = "La fenêtre de bougies doit contenir au moins 1 bougie."
BAD_CHECK_SAMPLES = "Le nombre de barres vérifiées doit être ≥ 0."
NOT_A_FRAME = "Les bougies doivent être un DataFrame pandas."
NO_CANDLES = "Aucune bougie à simuler sur cette période."
NOT_UTC_INDEXED = "Les bougies doivent être indexées par leur heure d'ouverture UTC (avec fuseau)."
NOT_SORTED = "Les bougies doivent être triées, sans doublon d'heure."
BAD_PRICES = "Les prix des bougies doivent être des nombres positifs."


def unknown_mode(mode: str) -> str:
    return f"Mode de backtest inconnu « {mode} » (fast ou exact)."


def missing_columns(names: list[str]) -> str:
    return f"Colonnes de bougies manquantes : {', '.join(names)}."


# -- the look-ahead report (lookahead, causality, sampling, runner) ----------------------

EXACT_MODE = "Mode exact : chaque barre a été évaluée sur sa fenêtre glissante."
NOT_CHECKED = "Non vérifié : aucune barre n'a été comparée au chemin exact."
CHECK_INTERRUPTED = "Non vérifié : vérification interrompue."
#: The stratum label of a complete verification (every bar).
ALL_BARS = "toutes"


def _at(bar: int, when: datetime) -> str:
    return f"Barre {bar} ({when:%Y-%m-%d %H:%M} UTC)"


def describe_decision(d: Decision) -> str:
    """A decision, as the report names it."""
    if d.action is Action.ENTER_LONG:
        return (f"achat (montant {d.size:.8g}, SL {d.stop_loss * 100:.4g} %, "
                f"TP {d.take_profit * 100:.4g} %)")
    if d.action is Action.EXIT:
        return "clôture de la position"
    if d.action is Action.ERROR:
        return f"erreur ({d.error})"
    if d.action is Action.ENTER_SHORT:
        return "vente à découvert"
    return "rien"


def exact_raised(kind: str, message: str) -> str:
    return f"exception {kind} : {message}"


def decisions_differ(bar: int, when: datetime, fast: str, exact: str) -> str:
    return f"{_at(bar, when)} : chemin rapide « {fast} », chemin exact « {exact} »"


def init_fails(m: int, kind: str, message: str) -> str:
    return f"la stratégie échoue sur {m} bougie(s) : {kind} : {message}"


def column(name: str) -> str:
    return f"la colonne « {name} »"


def attribute(name: str) -> str:
    return f"l'attribut « {name} »"


def array(name: str) -> str:
    return f"le tableau « {name} »"


def number(name: str) -> str:
    return f"le nombre « {name} »"


def length_dependent(m: int, what: str) -> str:
    return (f"Calculé sur les {m} premières bougies, {what} diffère : "
            "__init__ dépend de la longueur de l'historique.")


def cut_failed(bar: int, when: datetime, what: str) -> str:
    return f"{_at(bar, when)} : {what}"


def reads_the_future(bar: int, when: datetime, what: str, m: int) -> str:
    return (f"{_at(bar, when)} : {what} change quand les bougies après la barre {m - 1} sont "
            "retirées (__init__ lit l'avenir).")


def _count(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def full_summary(n: int, same: bool, cuts: int) -> str:
    text = f"Vérification complète : les {_count(n)} barres réévaluées exactement"
    if same:
        text += " : mêmes décisions que le chemin rapide"
    return text + (f" ; __init__ comparé sur {cuts} coupure(s) de l'historique." if cuts
                   else ".")


def sample_summary(bars: int, n: int, trades: tuple[int, int] | None,
                   near: tuple[int, int, int] | None, cuts: int) -> str:
    """What a sampled check covered: ``trades`` (checked, in all) around entries and exits,
    ``near`` (checked, in all, classes) near misses."""
    parts = [f"{bars} barres sur {_count(n)} réévaluées exactement"]
    if trades is not None:
        parts.append(f"{trades[0]} des {trades[1]} barres autour des entrées et sorties")
    if near is not None:
        parts.append(f"{near[0]} des {near[1]} quasi-décisions ({near[2]} classe(s))")
    if cuts:
        parts.append(f"calculs de __init__ comparés sur {cuts} coupure(s) de l'historique")
    return ", ".join(parts) + "."


def guarantee(pct: str, confidence: int) -> str:
    return (f" Une divergence touchant plus de {pct} % des barres aurait été "
            f"détectée avec {confidence} % de confiance.")
