"""Broker edits and the automatic paper broker: names per user, credentials per exchange."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from sqlalchemy.orm import Session, sessionmaker

from aristobot.accounts.users import create_user
from aristobot.brokers import repository as brokers
from aristobot.brokers.repository import BrokerDraft
from aristobot.errors import Conflict, ValidationError
from tests.support.user_world import VAULT

KEYS = {"apiKey": "cle-123456789", "secret": "s3cret"}


def test_the_paper_broker_name_depends_only_on_the_users_own_brokers(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        alice = create_user(s, "alice", "motdepasse-alice-1").id
        bob = create_user(s, "bob", "motdepasse-bob-1").id
        carol = create_user(s, "carol", "motdepasse-carol-1").id
        brokers.create_broker(s, VAULT, alice, BrokerDraft("Paper", "paper"))
        mine = brokers.ensure_default_paper_broker(s, bob, "250")
        assert (mine.name, mine.exchange, mine.paper_capital, mine.is_default) == (
            "Paper", "paper", D(250), True)
        brokers.create_broker(s, VAULT, carol, BrokerDraft("Paper", "binance", KEYS,
                                                           is_default=True))
        theirs = brokers.ensure_default_paper_broker(s, carol, "100")
        assert (theirs.name, theirs.is_default) == (f"Paper {carol}", False)
        assert brokers.ensure_default_paper_broker(s, carol, "999").id == theirs.id


def test_an_edit_keeps_names_unique_and_capital_only_for_paper(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        uid = create_user(s, "alice", "motdepasse-alice-1").id
        first = brokers.create_broker(s, VAULT, uid, BrokerDraft("Un", "paper",
                                                                 paper_capital=D(10)))
        second = brokers.create_broker(s, VAULT, uid, BrokerDraft("Deux", "binance", KEYS))
        with pytest.raises(Conflict) as e:
            brokers.update_broker(s, VAULT, uid, second.id, BrokerDraft("un", "binance", KEYS))
        assert e.value.user_message() == "Un broker nommé « un » existe déjà."
        same = brokers.update_broker(s, VAULT, uid, first.id,
                                     BrokerDraft("UN", "paper", paper_capital=D(20)))
        assert (same.name, same.paper_capital) == ("UN", D(20))
        moved = brokers.update_broker(s, VAULT, uid, first.id, BrokerDraft("UN", "binance", KEYS))
        assert (moved.exchange, moved.paper_capital) == ("binance", None)
        # blank keys are kept from the same exchange only
        kept = brokers.update_broker(s, VAULT, uid, second.id, BrokerDraft("Deux", "binance"))
        assert brokers.broker_config(s, VAULT, uid, kept.id).credentials == KEYS
        with pytest.raises(ValidationError):
            brokers.update_broker(s, VAULT, uid, second.id, BrokerDraft("Deux", "kraken"))
        listed = brokers.list_brokers(s, uid, VAULT)
        assert [b.id for b in listed] == sorted([first.id, second.id])
        assert brokers.get_broker(s, uid, second.id, VAULT).masked == {
            "apiKey": "••••••6789", "secret": "••••••"}
        assert brokers.get_broker(s, uid, second.id).masked == {}  # no vault: no hint


def test_testnet_warning_and_the_next_default_after_a_deletion(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s:
        uid = create_user(s, "alice", "motdepasse-alice-1").id
        test = brokers.create_broker(s, VAULT, uid, BrokerDraft(
            "Test", "binance", KEYS, is_testnet=True, is_active=False))
        assert brokers.testnet_in_use(s, uid) is False  # an inactive testnet broker: no warning
        edited = brokers.update_broker(s, VAULT, uid, test.id, BrokerDraft(
            "Test", "binance", is_testnet=True))
        assert brokers.testnet_in_use(s, uid) is True
        assert edited.masked == {"apiKey": "••••••6789", "secret": "••••••"}
        a = brokers.create_broker(s, VAULT, uid, BrokerDraft("A", "paper", is_default=True))
        b = brokers.create_broker(s, VAULT, uid, BrokerDraft("B", "paper"))
        brokers.delete_broker(s, uid, a.id)
        default = brokers.default_broker(s, uid)
        assert default is not None and default.id == test.id  # the oldest remaining one
        for broker in (test, b):
            brokers.delete_broker(s, uid, broker.id)
        assert brokers.default_broker(s, uid) is None
