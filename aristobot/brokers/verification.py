"""Live check of a broker's keys: connect through ccxt and return the balance."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from aristobot.brokers.connections import get_manager
from aristobot.brokers.repository import BrokerDraft, broker_config, validate_draft
from aristobot.exchanges.catalog import PAPER
from aristobot.exchanges.manager import ExchangeAccount

if TYPE_CHECKING:
    from aristobot.runtime import Runtime


async def check_keys(runtime: Runtime, draft: BrokerDraft,
                     keep: dict[str, str] | None = None) -> dict[str, Decimal]:
    """Connect with ``draft``'s keys and return the non-zero balances (asset -> total).

    Raises the translated error (« Erreur de connexion à Binance : Invalid API-key… »).
    A paper broker needs no keys: its balance is its starting capital.
    """
    creds = validate_draft(draft, keep)
    if draft.exchange == PAPER:
        capital = draft.paper_capital or Decimal(runtime.settings.paper_starting_capital)
        return {"USDT": capital}
    manager = get_manager(runtime)
    handle = manager.open_uncached(ExchangeAccount(0, draft.exchange, creds, draft.is_testnet))
    try:
        if not draft.is_testnet:
            # ccxt needs markets before a balance; the shared public instance loads them once
            # for every check (a testnet has markets of its own: loaded by its instance).
            public = await manager.public_exchange(draft.exchange)
            await public.share_markets_with(handle)
        balance = await handle.fetch_balance()
    finally:
        await handle.close()
    return {a: v for a, v in sorted(balance.total.items()) if v}


async def check_edited_keys(runtime: Runtime, user_id: int, broker_id: int,
                            draft: BrokerDraft) -> dict[str, Decimal]:
    """:func:`check_keys` for an edit of ``user_id``'s broker: blank fields keep stored keys.

    The stored keys are decrypted here and never handed to the page.
    """
    with runtime.sessions() as s:
        config = broker_config(s, runtime.vault, user_id, broker_id)  # NotFound for another's
    keep = config.credentials if config.broker.exchange == draft.exchange else None
    return await check_keys(runtime, draft, keep)
