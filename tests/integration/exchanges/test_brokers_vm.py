"""The brokers section's view-model and build, without a browser (real ccxt + fake Binance)."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest
from bokeh.document import Document

from aristobot.accounts.users import get_user
from aristobot.brokers import list_brokers
from aristobot.brokers.markets import loaded_exchanges
from aristobot.errors import BrokerInactive
from aristobot.runtime import Runtime
from aristobot.trading.service import ManualTrading, OrderRequest
from aristobot.ui.account import brokers_section
from aristobot.ui.account.brokers_vm import BrokersVM
from aristobot.ui.pages import PageContext
from tests.support.bokeh_text import assert_shows
from tests.support.factories import make_user


async def test_add_paper_and_binance_with_live_key_check(runtime: Runtime) -> None:
    alice = make_user(runtime.sessions)
    vm = BrokersVM(runtime, alice.id)
    vm.open_add()
    vm.broker_name = "Simu"
    assert vm.required == [] and not vm.testnet_available and not vm.testnet_note  # paper
    assert await vm.save() and "Simu" in vm.message
    vm.open_add()
    vm.broker_name, vm.exchange = "Mon Binance", "binance"
    assert vm.required == ["apiKey", "secret"] and vm.testnet_available
    vm.set_credential("apiKey", "key-a")
    vm.set_credential("secret", "wrong")
    assert not await vm.save()
    assert "Connexion refusée par Binance" in vm.error and vm.form_visible
    vm.set_credential("secret", "secret-a")
    assert await vm.save()
    assert "USDT 10\u202f000,00" in vm.balance  # French, dollars to the cent
    assert list(vm.brokers["Nom"]) == ["Simu", "Mon Binance"]
    assert "key-a" not in vm.brokers.to_string()  # keys are masked
    vm.exchange = "okx"
    assert "password" in vm.required
    for _ in range(200):  # the background markets load finishes (bounded wait, no timing check)
        with runtime.sessions() as s:
            if loaded_exchanges(s):
                break
        await asyncio.sleep(0.05)
    with runtime.sessions() as s:
        assert "binance" in loaded_exchanges(s)
    bid = int(vm.brokers.iloc[1]["id"])
    vm.make_default(bid)
    assert vm.brokers.iloc[1]["Par défaut"] == "★"
    vm.open_edit(bid)
    vm.broker_name = "Binance principal"
    assert await vm.save()  # blank keys keep the stored ones
    await vm.delete(bid)
    assert list(vm.brokers["Nom"]) == ["Simu"]


def test_section_builds(runtime: Runtime) -> None:
    alice = make_user(runtime.sessions)
    with runtime.sessions() as s:
        user = get_user(s, alice.id)
    root = brokers_section.build(PageContext(runtime, user, "dark", "UTC")).get_root(Document())
    assert_shows(root, "Ajouter un broker", "Nom", "Exchange (ccxt)", "Testnet (sandbox)")


async def test_deactivate_broker_then_orders_are_refused(runtime: Runtime) -> None:
    alice = make_user(runtime.sessions)
    vm = BrokersVM(runtime, alice.id)
    vm.open_add()
    vm.broker_name = "Simu"
    assert vm.is_active and await vm.save()
    bid = int(vm.brokers.iloc[0]["id"])
    vm.open_edit(bid)
    assert vm.is_active
    vm.is_active = False
    assert await vm.save()
    assert vm.brokers.iloc[0]["Actif"] == "non"
    vm.open_edit(bid)
    assert not vm.is_active  # the form shows the stored state
    with pytest.raises(BrokerInactive):
        await ManualTrading(runtime).place_order(
            alice.id, OrderRequest(bid, "BTC/USDT", "buy", amount=D("0.001")))


async def test_delete_asks_for_confirmation(runtime: Runtime) -> None:
    alice = make_user(runtime.sessions)
    vm = BrokersVM(runtime, alice.id)
    vm.open_add()
    vm.broker_name = "Simu <b>"
    assert await vm.save()
    bid = int(vm.brokers.iloc[0]["id"])
    vm.ask_delete(bid)
    assert vm.confirm_delete_id == bid and "Simu <b>" in vm.confirm_text
    assert len(vm.brokers) == 1  # nothing deleted yet
    vm.cancel_delete()
    assert vm.confirm_delete_id is None and len(vm.brokers) == 1
    vm.ask_delete(bid)
    await vm.confirm_delete()
    assert len(vm.brokers) == 0 and vm.message == "Broker supprimé."
    with runtime.sessions() as s:
        assert list_brokers(s, alice.id) == []


def test_feedback_escapes_exchange_text() -> None:
    html = brokers_section._feedback("", "Erreur de connexion à X : <script>x</script>", "")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<i>" not in brokers_section._feedback("Broker « <i> » enregistré", "", "")
