"""View-model of « Mon Compte » → Brokers: list, add/edit form, live key check, markets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import param

from aristobot.brokers import (
    BrokerDraft,
    create_broker,
    delete_broker,
    get_broker,
    list_brokers,
    set_default_broker,
    update_broker,
)
from aristobot.brokers.catalog import CREDENTIAL_LABELS, PAPER, exchange_ids, exchange_info
from aristobot.brokers.connections import forget_broker
from aristobot.brokers.markets import ensure_markets, load_exchange_markets
from aristobot.brokers.verification import check_edited_keys, check_keys
from aristobot.core.order_rules import parse_decimal
from aristobot.errors import AristobotError, ValidationError
from aristobot.runtime import Runtime
from aristobot.ui import messages as msg
from aristobot.ui import page_messages as lbl
from aristobot.ui.numbers import PrecisionBook

COLUMNS = lbl.BROKER_COLUMNS


class BrokersVM(param.Parameterized):
    brokers = param.DataFrame(default=pd.DataFrame(columns=COLUMNS))
    editing_id = param.Integer(default=None, allow_None=True)  # None = adding
    form_visible = param.Boolean(default=False)
    broker_name = param.String(default="")
    exchange: Any = param.Selector(default=PAPER, objects=exchange_ids())
    credentials = param.Dict(default={})  # ccxt credential name -> typed value
    required = param.List(default=[])  # credentials the chosen exchange needs
    is_testnet = param.Boolean(default=False)
    testnet_available = param.Boolean(default=False)
    testnet_note = param.String(default="")
    is_default = param.Boolean(default=False)
    is_active = param.Boolean(default=True)  # inactive: kept, but no order is sent
    confirm_delete_id = param.Integer(default=None, allow_None=True)  # awaiting « Confirmer »
    confirm_text = param.String(default="")
    paper_capital = param.String(default="")
    balance = param.String(default="")
    message = param.String(default="")
    error = param.String(default="")

    def __init__(self, runtime: Runtime, user_id: int, **params: Any) -> None:
        super().__init__(**params)
        self._runtime = runtime
        self._user_id = user_id
        self._on_exchange()
        self.reload()

    def reload(self) -> None:
        with self._runtime.sessions() as s:
            items = list_brokers(s, self._user_id, self._runtime.vault)
        self.brokers = pd.DataFrame(
            [[b.id, b.name, b.exchange, b.masked.get("apiKey", "—"),
              "oui" if b.is_testnet else "non", "oui" if b.is_active else "non",
              "★" if b.is_default else ""] for b in items], columns=COLUMNS)

    @param.depends("exchange", watch=True)
    def _on_exchange(self) -> None:
        info = exchange_info(self.exchange)
        self.required = list(info.required_credentials)
        self.testnet_available = info.has_sandbox
        self.testnet_note = "" if info.has_sandbox or self.exchange == PAPER else (
            msg.TESTNET_UNAVAILABLE.format(exchange=info.name))
        if not info.has_sandbox:
            self.is_testnet = False
        if self.exchange == PAPER and not self.paper_capital:
            self.paper_capital = self._runtime.settings.paper_starting_capital


    def open_add(self) -> None:
        self.editing_id, self.broker_name, self.exchange, self.credentials = None, "", PAPER, {}
        self.is_testnet = self.is_default = False
        self.is_active = True
        self.paper_capital = self._runtime.settings.paper_starting_capital
        self.balance = self.error = self.message = ""
        self.form_visible = True

    def open_edit(self, broker_id: int) -> None:
        """Fill the form with a broker; keys stay blank (blank = keep the stored ones)."""
        with self._runtime.sessions() as s:
            b = get_broker(s, self._user_id, broker_id)
        self.editing_id, self.broker_name, self.exchange = b.id, b.name, b.exchange
        self.credentials = {}
        self.is_testnet, self.is_default, self.is_active = b.is_testnet, b.is_default, b.is_active
        self.paper_capital = str(b.paper_capital or "")
        self.balance = self.error = self.message = ""
        self.form_visible = True

    def close_form(self) -> None:
        self.form_visible = False

    def _draft(self) -> BrokerDraft:
        capital = None
        if self.exchange == PAPER and self.paper_capital.strip():
            capital = parse_decimal(self.paper_capital, lbl.PAPER_CAPITAL_FIELD)
        return BrokerDraft(self.broker_name, self.exchange, dict(self.credentials), self.is_testnet,
                           self.is_active, self.is_default, capital)

    async def verify(self) -> dict[str, Decimal] | None:
        """Check the keys live and show the balance (nothing is saved)."""
        try:
            if self.editing_id is None:
                bal = await check_keys(self._runtime, self._draft())
            else:
                bal = await check_edited_keys(self._runtime, self._user_id, self.editing_id,
                                              self._draft())
        except AristobotError as e:
            self.error, self.balance = e.user_message(), ""
            return None
        book = PrecisionBook()  # no market loaded yet: dollars to the cent, others up to 8 places
        self.balance = (", ".join(f"{a} {book.balance(a, v)}" for a, v in bal.items())
                        or msg.EMPTY_BALANCE)
        self.error = ""
        return bal

    async def save(self) -> bool:
        """Verify the keys, then create or update; load the exchange's markets if missing."""
        if await self.verify() is None:
            return False
        try:
            with self._runtime.sessions.begin() as s:
                if self.editing_id is None:
                    b = create_broker(s, self._runtime.vault, self._user_id, self._draft())
                else:
                    b = update_broker(s, self._runtime.vault, self._user_id, self.editing_id,
                                      self._draft())
        except AristobotError as e:
            self.error = e.user_message()
            return False
        await forget_broker(self._runtime, self._user_id, b.id)
        self.message = msg.BROKER_SAVED.format(name=b.name, balance=self.balance)
        self.form_visible = False
        self.reload()
        self._runtime.spawn(ensure_markets(self._runtime, b.exchange), "markets load")
        return True

    def ask_delete(self, broker_id: int) -> None:
        """« Supprimer » only asks: nothing is deleted before :meth:`confirm_delete`."""
        try:
            with self._runtime.sessions() as s:
                b = get_broker(s, self._user_id, broker_id)
        except AristobotError as e:
            self.error = e.user_message()
            return
        self.confirm_text = msg.CONFIRM_BROKER_DELETE.format(name=b.name)
        self.confirm_delete_id = b.id

    async def confirm_delete(self) -> None:
        broker_id, self.confirm_delete_id, self.confirm_text = self.confirm_delete_id, None, ""
        if broker_id is not None:
            await self.delete(broker_id)

    def cancel_delete(self) -> None:
        self.confirm_delete_id, self.confirm_text = None, ""

    async def delete(self, broker_id: int) -> None:
        """Delete at once (the page goes through :meth:`ask_delete` first)."""
        try:
            with self._runtime.sessions.begin() as s:
                delete_broker(s, self._user_id, broker_id)
            await forget_broker(self._runtime, self._user_id, broker_id)
            self.message, self.error = msg.BROKER_DELETED, ""
        except AristobotError as e:
            self.error = e.user_message()
        self.reload()

    def make_default(self, broker_id: int) -> None:
        try:
            with self._runtime.sessions.begin() as s:
                b = set_default_broker(s, self._user_id, broker_id)
            self.message, self.error = msg.BROKER_IS_DEFAULT.format(name=b.name), ""
        except AristobotError as e:
            self.error = e.user_message()
        self.reload()

    def update_markets(self, broker_id: int) -> None:
        """« MAJ Paires de trading »: reload the broker's exchange markets in the background."""
        try:
            with self._runtime.sessions() as s:
                b = get_broker(s, self._user_id, broker_id)
        except AristobotError as e:
            self.error = e.user_message()
            return
        self._runtime.spawn(load_exchange_markets(self._runtime, b.exchange), "markets load")
        self.message, self.error = msg.MARKETS_LOADING.format(exchange=b.exchange), ""

    def set_credential(self, key: str, value: str) -> None:
        if key not in CREDENTIAL_LABELS:
            raise ValidationError(reason=msg.UNKNOWN_FIELD.format(key=key))
        self.credentials = {**self.credentials, key: value}
