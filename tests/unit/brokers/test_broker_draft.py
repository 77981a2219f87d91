"""What a broker form may hold: names, credentials, testnet and paper capital (pure checks)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from aristobot.brokers.repository import BrokerDraft, validate_draft
from aristobot.errors import ValidationError


def _refusal(draft: BrokerDraft) -> str:
    with pytest.raises(ValidationError) as e:
        validate_draft(draft)
    return e.value.user_message()


def test_names_of_one_to_sixty_four_characters() -> None:
    assert validate_draft(BrokerDraft(" P ", "paper")) == {}
    assert validate_draft(BrokerDraft("x" * 64, "paper")) == {}
    for bad in ("", "   ", "x" * 65):
        assert _refusal(BrokerDraft(bad, "paper")) == (
            "Le nom du broker doit faire de 1 à 64 caractères.")


def test_paper_has_no_testnet_nor_credentials_and_a_positive_capital() -> None:
    assert _refusal(BrokerDraft("p", "paper", is_testnet=True)) == (
        "Le broker paper est déjà une simulation : pas de testnet.")
    for capital in (D(0), D(-5)):
        assert _refusal(BrokerDraft("p", "paper", paper_capital=capital)) == (
            "Le capital de départ doit être strictement positif.")
    assert validate_draft(BrokerDraft("p", "paper", {"apiKey": "k"}, paper_capital=D("0.01"))) == {}


def test_credentials_are_stripped_required_and_completed_from_the_stored_ones() -> None:
    assert validate_draft(BrokerDraft("b", "binance", {"apiKey": " k ", "secret": "s"})) == {
        "apiKey": "k", "secret": "s"}
    assert _refusal(BrokerDraft("b", "binance", {"apiKey": "k", "secret": "  "})) == (
        "Binance exige : Secret API.")
    assert _refusal(BrokerDraft("b", "okx", {})).startswith("OKX exige : ")
    kept = validate_draft(BrokerDraft("b", "binance", {"apiKey": "new", "secret": "",
                                                       "autre": "x"}),
                          keep={"apiKey": "old", "secret": "stored"})
    assert kept == {"apiKey": "new", "secret": "stored"}  # unknown fields are dropped
    assert validate_draft(BrokerDraft("b", "okx", {"apiKey": "k", "secret": "s",
                                                   "password": "p"})) == {
        "apiKey": "k", "secret": "s", "password": "p"}


def test_testnet_only_where_the_exchange_has_one() -> None:
    creds = {"apiKey": "k", "secret": "s"}
    assert validate_draft(BrokerDraft("b", "binance", creds, is_testnet=True)) == creds
    assert _refusal(BrokerDraft("b", "kraken", creds, is_testnet=True)) == (
        "Kraken ne propose pas de testnet (sandbox).")
    assert validate_draft(BrokerDraft("b", "kraken", creds)) == creds
