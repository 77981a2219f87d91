"""The dashboard's sentences live in aristobot.ui.messages: templates with named fields."""

from __future__ import annotations

import string

import pytest

from aristobot.ui import messages as msg

TEMPLATES = {k: v for k, v in vars(msg).items() if k.isupper() and isinstance(v, str)}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_has_named_fields_only(name: str) -> None:
    fields = [f for _, f, _, _ in string.Formatter().parse(TEMPLATES[name]) if f is not None]
    assert all(f.isidentifier() for f in fields), fields  # no « {} » nor « {0} »


def test_each_sentence_is_written_once() -> None:
    texts = list(TEMPLATES.values())
    assert len(texts) == len(set(texts))


def test_sentences_with_a_choice_of_wording() -> None:
    assert msg.replay_summary(3, 60, 0, ["Note."]) == (
        "3 signal(aux) comparé(s) sur 60 bougies : aucune différence entre live et rejeu. Note.")
    assert msg.replay_summary(3, 60, 2, []).endswith(": 2 différence(s).")
    assert msg.confirm_results_delete([4]) == "Supprimer définitivement le résultat n° 4 ?"
    assert msg.confirm_results_delete([4, 5]) == (
        "Supprimer définitivement les résultats n° 4, n° 5 ?")
    assert msg.backtest_interrupted(True, 120) == (
        "Interruption du chargement des bougies (120 bougies conservées).")
    assert msg.backtest_interrupted(False, None) == "Interruption du calcul."
    assert msg.backtest_queued(2, True).startswith("En file d'attente : position 2 (votre")
    assert msg.BROKER_SAVED.format(name="Paper", balance="USDT 1 000,00") == (
        "Broker « Paper » enregistré (solde : USDT 1 000,00).")
