from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from aristobot.brokers import (
    BrokerDraft,
    broker_config,
    create_broker,
    default_broker,
    delete_broker,
    ensure_default_paper_broker,
    get_broker,
    list_brokers,
    update_broker,
)
from aristobot.brokers import (
    testnet_in_use as uses_testnet,
)
from aristobot.brokers.verification import check_edited_keys, check_keys
from aristobot.db.models import BrokerRow
from aristobot.errors import AuthenticationFailed, Conflict, NotFound, ValidationError
from aristobot.runtime import Runtime
from tests.support.factories import make_user
from tests.support.fake_binance import FakeBinance

KEYS = {"apiKey": "key-a", "secret": "secret-a"}


def _draft(**kw: object) -> BrokerDraft:
    values: dict[str, object] = {"name": "Binance A", "exchange": "binance",
                                 "credentials": dict(KEYS)}
    values.update(kw)
    return BrokerDraft(**values)  # type: ignore[arg-type]


def test_keys_are_encrypted_and_only_masked_outside(runtime: Runtime) -> None:
    alice = make_user(runtime.sessions)
    with runtime.sessions.begin() as s:
        b = create_broker(s, runtime.vault, alice.id, _draft())
    assert b.is_default  # the first broker becomes the default
    assert b.masked == {"apiKey": "••••••", "secret": "••••••"}
    assert "key-a" not in repr(b)
    with runtime.sessions() as s:
        row = s.scalar(select(BrokerRow))
        assert row is not None and "key-a" not in (row.api_key or "")
        assert "secret-a" not in (row.api_secret or "")
        cfg = broker_config(s, runtime.vault, alice.id, b.id)
    assert cfg.credentials == KEYS and "secret-a" not in repr(cfg)


def test_only_the_api_key_keeps_a_hint(runtime: Runtime) -> None:
    alice = make_user(runtime.sessions)
    creds = {"apiKey": "AKIA-public-id-7788", "secret": "very-secret-value-9911",
             "password": "my-passphrase-4455"}
    with runtime.sessions.begin() as s:
        b = create_broker(s, runtime.vault, alice.id, _draft(exchange="okx", credentials=creds))
        listed = list_brokers(s, alice.id, runtime.vault)[0]
    for broker in (b, listed):
        assert broker.masked == {"apiKey": "••••••7788", "secret": "••••••",
                                 "password": "••••••"}


def test_edit_keeps_blank_keys_and_default_moves(runtime: Runtime) -> None:
    alice = make_user(runtime.sessions)
    with runtime.sessions.begin() as s:
        a = create_broker(s, runtime.vault, alice.id, _draft())
        p = ensure_default_paper_broker(s, alice.id, "5000")
        assert default_broker(s, alice.id).id == a.id  # type: ignore[union-attr]
        update_broker(s, runtime.vault, alice.id, a.id,
                      _draft(name="Binance renamed", credentials={}))
        update_broker(s, runtime.vault, alice.id, p.id,
                      BrokerDraft("Paper", "paper", is_default=True,
                                  paper_capital=Decimal("5000")))
    with runtime.sessions() as s:
        assert broker_config(s, runtime.vault, alice.id, a.id).credentials == KEYS
        assert default_broker(s, alice.id).id == p.id  # type: ignore[union-attr]
    with runtime.sessions.begin() as s:
        delete_broker(s, alice.id, p.id)
        assert default_broker(s, alice.id).id == a.id  # type: ignore[union-attr]


def test_validation_is_french(runtime: Runtime) -> None:
    alice = make_user(runtime.sessions)
    with runtime.sessions.begin() as s:
        with pytest.raises(ValidationError) as e:
            create_broker(s, runtime.vault, alice.id, _draft(credentials={"apiKey": "k"}))
        assert "Secret API" in e.value.user_message()
        with pytest.raises(ValidationError) as e2:
            create_broker(s, runtime.vault, alice.id,
                          _draft(exchange="okx", credentials={"apiKey": "k", "secret": "s"}))
        assert "passphrase" in e2.value.user_message()
        with pytest.raises(ValidationError) as e3:
            create_broker(s, runtime.vault, alice.id, _draft(exchange="nope"))
        assert "inconnu" in e3.value.user_message()
        create_broker(s, runtime.vault, alice.id, _draft())
        with pytest.raises(Conflict):
            create_broker(s, runtime.vault, alice.id, _draft(name="binance a"))


def test_testnet_flag(runtime: Runtime) -> None:
    alice = make_user(runtime.sessions)
    with runtime.sessions.begin() as s:
        assert not uses_testnet(s, alice.id)
        create_broker(s, runtime.vault, alice.id, _draft(is_testnet=True))
        assert uses_testnet(s, alice.id)
        with pytest.raises(ValidationError) as e:
            create_broker(s, runtime.vault, alice.id, BrokerDraft("P", "paper", is_testnet=True))
        assert "testnet" in e.value.user_message()


def test_user_b_never_sees_or_uses_user_a_brokers(runtime: Runtime) -> None:
    alice = make_user(runtime.sessions)
    bob = make_user(runtime.sessions, "bob", "motdepasse-bob-123")
    with runtime.sessions.begin() as s:
        a = create_broker(s, runtime.vault, alice.id, _draft())
    with runtime.sessions.begin() as s:
        assert list_brokers(s, bob.id) == []
        with pytest.raises(NotFound):
            get_broker(s, bob.id, a.id)
        with pytest.raises(NotFound):
            broker_config(s, runtime.vault, bob.id, a.id)
        with pytest.raises(NotFound):
            update_broker(s, runtime.vault, bob.id, a.id, _draft())
        with pytest.raises(NotFound):
            delete_broker(s, bob.id, a.id)


def test_ensure_default_paper_broker_is_idempotent(runtime: Runtime) -> None:
    dev = make_user(runtime.sessions, "dev", "motdepasse-dev-123")
    with runtime.sessions.begin() as s:
        b1 = ensure_default_paper_broker(s, dev.id, "10000")
        b2 = ensure_default_paper_broker(s, dev.id, "10000")
        assert b1.id == b2.id and b1.is_paper
        assert default_broker(s, dev.id).id == b1.id  # type: ignore[union-attr]


async def test_live_key_check_good_and_bad(runtime: Runtime) -> None:
    balance = await check_keys(runtime, _draft())
    assert balance == {"BTC": Decimal("0.5"), "USDT": Decimal("10000")}
    with pytest.raises(AuthenticationFailed) as e:
        await check_keys(runtime, _draft(credentials={"apiKey": "wrong", "secret": "x"}))
    assert e.value.user_message() == (
        "Connexion refusée par Binance (clé API refusée, adresse IP non autorisée ou "
        "permissions insuffisantes) : vérifiez la clé API, le secret et les permissions du "
        "compte dans « Mon Compte ».")
    with pytest.raises(AuthenticationFailed) as e2:
        await check_keys(runtime, _draft(credentials={"apiKey": "key-a", "secret": "bad"}))
    assert "signature refusée" in e2.value.user_message()
    assert await check_keys(runtime, BrokerDraft("P", "paper")) == {"USDT": Decimal("10000")}


async def test_an_edit_check_keeps_stored_keys_of_the_owner_only(runtime: Runtime) -> None:
    alice = make_user(runtime.sessions)
    bob = make_user(runtime.sessions, "bob", "motdepasse-bob-123")
    with runtime.sessions.begin() as s:
        bid = create_broker(s, runtime.vault, alice.id, _draft()).id
    blank = _draft(credentials={})
    assert (await check_edited_keys(runtime, alice.id, bid, blank))["USDT"] == Decimal("10000")
    with pytest.raises(NotFound):  # bob cannot have alice's stored keys checked (or used)
        await check_edited_keys(runtime, bob.id, bid, blank)


async def test_key_checks_share_one_markets_load(runtime: Runtime, fake: FakeBinance) -> None:
    for _ in range(3):
        assert (await check_keys(runtime, _draft()))["USDT"] == Decimal("10000")
    assert fake.count("GET", "/api/v3/exchangeInfo") == 1
    assert fake.count("GET", "/api/v3/account") == 3
