"""What the pure core tells users (French), one place each.

Catalog convention (see README, « Development »): each package that shows text to users owns
one ``messages.py``; call sites use its constants, or call its small functions with the variable
parts. No French sentence is assembled anywhere else. Log messages are English and stay where
they are logged. ``tests/unit/architecture/test_user_text.py`` enforces the rule.
"""

from __future__ import annotations

from typing import Any

# --- order rules (core/order_rules) -----------------------------------------------------------
QUOTE_AMOUNT_NOT_POSITIVE = "Le montant en USD doit être strictement positif."
QUANTITY_NOT_POSITIVE = "La quantité doit être strictement positive."
LIMIT_PRICE_NOT_POSITIVE = "Le prix limite doit être strictement positif."


def number_expected(label: str, raw: object) -> str:
    return f"{label} : nombre attendu, reçu « {raw} »."


def finite_number_expected(label: str, raw: object) -> str:
    return f"{label} : nombre fini attendu, reçu « {raw} »."


def invalid_price(symbol: str, price: str) -> str:
    return f"Prix invalide pour {symbol} : {price}."


def quantity_too_precise(amount: str, base: str, symbol: str, step: str, example: str) -> str:
    """``example`` is the rounded-down quantity to suggest, or "" when there is none."""
    hint = f" (ex. {example})" if example else ""
    return f"Quantité {amount} {base} trop précise pour {symbol} : pas de {step}{hint}."


def quantity_below_minimum(amount: str, base: str, symbol: str, minimum: str) -> str:
    return f"Quantité {amount} {base} inférieure au minimum de {symbol} : {minimum} {base}."


def quantity_above_maximum(amount: str, base: str, symbol: str, maximum: str) -> str:
    return f"Quantité {amount} {base} supérieure au maximum de {symbol} : {maximum} {base}."


def price_too_precise(price: str, symbol: str, step: str) -> str:
    return f"Prix {price} trop précis pour {symbol} : pas de {step}."


def cost_below_minimum(cost: str, quote: str, symbol: str, minimum: str) -> str:
    return (f"Montant de l'ordre {cost} {quote} inférieur au minimum de {symbol} : "
            f"{minimum} {quote}.")


# --- strategy parameters and decisions (core/strategy_api) ------------------------------------
PARAMS_NOT_A_MAPPING = "« params » doit être un dictionnaire {nom: valeur par défaut}."


def param_expects_bool(name: str, value: Any) -> str:
    return f"Le paramètre « {name} » attend un booléen, reçu {value!r}."


def param_expects_number(name: str, value: Any) -> str:
    return f"Le paramètre « {name} » attend un nombre, reçu {value!r}."


def param_not_finite(name: str, value: Any) -> str:
    return f"Le paramètre « {name} » doit être un nombre fini, reçu {value}."


def param_expects_int(name: str, value: Any) -> str:
    return f"Le paramètre « {name} » attend un entier, reçu {value!r}."


def unknown_params(unknown: list[str], declared: list[str]) -> str:
    known = ", ".join(declared) or "aucun"
    return f"Paramètre(s) inconnu(s) : {', '.join(unknown)} (la stratégie déclare : {known})."


def must_return_number(method: str, value: Any) -> str:
    return f"{method} doit renvoyer un nombre, reçu {value!r}"


def must_return_fraction(method: str, upper: float | None, value: float) -> str:
    bound = f" et < {upper}" if upper is not None else ""
    return f"{method} doit renvoyer une fraction ≥ 0{bound}, reçu {value}"


# --- running user code (core/strategy_loader) -------------------------------------------------
ONE_STRATEGY_CLASS_EXPECTED = "une seule classe dérivant de Strategy est attendue."


def import_refused(module: str) -> str:
    return f"Import de « {module} » refusé dans une stratégie."


def attribute_forbidden(name: object) -> str:
    return f"Attribut « {name} » interdit dans une stratégie."


# --- checking user code before it runs (core/strategy_validator) ------------------------------
EMPTY_CODE = "Le code est vide."
INVALID_SYNTAX = "syntaxe invalide"
RELATIVE_IMPORT = "Import relatif interdit."
DUNDER_IN_STRING = "Un nom spécial « __…__ » dans une chaîne"
TYPE_WITH_ONE_ARGUMENT = ("« type(...) » ne s'utilise qu'avec un seul argument (créer une classe "
                          "dynamiquement est interdit).")
NO_STRATEGY_CLASS = "Aucune classe dérivant de Strategy (ex. « class MaStrategie(Strategy): »)."
PARAMS_DECLARED_TWICE = "« params » ne doit être déclaré qu'une fois."
PARAMS_USAGE = ("« params » doit être un dictionnaire écrit en toutes lettres, ex. "
                "params = {\"rapide\": 10, \"lente\": 20} (noms → entier, décimal ou booléen).")
INIT_SIGNATURE = "« __init__ » doit accepter (self, candles, balance, position=None)."


def syntax_error(reason: str, indentation: bool) -> str:
    if indentation:
        reason = f"indentation incorrecte ({reason})"
    return f"Erreur de syntaxe : {reason}"


def quoted(name: str) -> str:
    """The subject « name » of :func:`forbidden`."""
    return f"« {name} »"


def attribute(name: str) -> str:
    """The subject « L'attribut … » of :func:`forbidden`."""
    return f"L'attribut « {name} »"


def special_name(name: str) -> str:
    """The subject « Le nom spécial … » of :func:`forbidden`."""
    return f"Le nom spécial « {name} »"


def forbidden(subject: str) -> str:
    return f"{subject} est interdit dans une stratégie."


def reflection_needs_literal(name: str) -> str:
    return (f"« {name} » n'est permis qu'appelé avec un nom d'attribut écrit en toutes "
            f"lettres (ex. {name}(objet, \"nom\", …)), sans « __ » au début.")


def import_not_allowed(module: str, allowed: str) -> str:
    return f"Import de « {module} » refusé : une stratégie ne peut importer que {allowed}."


def several_strategy_classes(names: str) -> str:
    return f"Une seule classe dérivant de Strategy est permise, trouvé : {names}."


def missing_method(method: str, cls: str) -> str:
    return f"La méthode « {method}(self) » manque dans la classe {cls}."


def invalid_param_name(name: str) -> str:
    return (f"Nom de paramètre invalide « {name} » (lettres, chiffres, « _ », sans « _ » au "
            "début).")


def param_declared_twice(name: str) -> str:
    return f"Paramètre « {name} » déclaré deux fois."


def param_not_literal(name: str) -> str:
    return (f"Le paramètre « {name} » doit valoir un entier, un décimal fini ou un booléen écrit "
            "en toutes lettres.")


def too_many_params(maximum: int) -> str:
    return f"Au plus {maximum} paramètres."


def method_is_async(name: str) -> str:
    return f"« {name} » ne doit pas être « async »."


def method_signature(name: str) -> str:
    return f"« {name} » doit se déclarer « def {name}(self): » (aucun autre paramètre)."
