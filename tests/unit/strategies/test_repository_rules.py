"""What the strategy repository accepts as a name, a window and a timeframe (pure checks)."""

from __future__ import annotations

import pytest

from aristobot.domain.timeframe import Timeframe
from aristobot.errors import StrategyInvalid, ValidationError
from aristobot.strategies.repository import (
    validate_code,
    validate_name,
    validate_timeframe,
    validate_window,
)
from aristobot.strategies.template import TEMPLATE


def _refusal(check: object, value: object) -> str:
    with pytest.raises(ValidationError) as e:
        check(value)  # type: ignore[operator]
    return e.value.user_message()


def test_names() -> None:
    assert validate_name("  Ma stratégie ") == "Ma stratégie"
    assert validate_name("x" * 64) == "x" * 64
    assert _refusal(validate_name, "x" * 65) == "Nom trop long (65 caractères, 64 max)."
    for empty in ("", "   ", None):
        assert _refusal(validate_name, empty) == "Le nom de la stratégie est obligatoire."
    for control in ("a\x07b", "a\x1fb", "a\nb"):
        assert _refusal(validate_name, control) == "Le nom contient des caractères de contrôle."
    assert validate_name("a b") == "a b"  # a space (32) is not a control character


def test_windows() -> None:
    assert validate_window(" 30 ") == 30 and validate_window(5000) == 5000
    for bad in (29, 5001, "abc", None, "12.5"):
        assert _refusal(validate_window, bad) == (
            f"Le nombre de bougies doit être un entier entre 30 et 5000 (reçu « {bad} »).")


def test_timeframes() -> None:
    assert validate_timeframe(Timeframe.H4) == "4h" and validate_timeframe(" 15m ") == "15m"
    assert _refusal(validate_timeframe, "2m") == (
        "Unité de temps inconnue « 2m » (attendu : 1m, 3m, 5m, 10m, 15m, 1h, 2h, 4h, 1d).")


def test_code_is_checked_by_the_validator() -> None:
    assert validate_code(TEMPLATE) is TEMPLATE
    with pytest.raises(StrategyInvalid) as e:
        validate_code("import os\n")
    assert e.value.user_message().startswith("Stratégie invalide : Ligne 1 : Aucune classe")
    assert "Ligne 1, colonne 1 : Import de « os » refusé" in e.value.user_message()
