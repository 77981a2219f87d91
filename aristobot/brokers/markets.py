"""Load an exchange's markets into the shared ``exchange_symbols`` table, in the background.

Each load builds the rows first, then replaces the exchange's rows in **one short
transaction** run in a worker thread (nothing awaited while it is open), and publishes
``Channels.MARKETS_PROGRESS`` (``{"exchange", "name", "pct", "done", "error"}``) so every page
can show « Chargement 'X' nn% ». The paper broker has no markets of its own: it trades on
Binance spot markets, so loading « paper » loads Binance.

This is service work (database and bus) over the exchange adapter's public instances, which
hand over typed :class:`Market` values; they become rows here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from aristobot.brokers.connections import get_manager
from aristobot.brokers.repository import active_exchanges
from aristobot.bus import Channels
from aristobot.db.models import ExchangeSymbolRow
from aristobot.domain.exchange import Market
from aristobot.errors import AristobotError
from aristobot.exchanges.catalog import PAPER, display_name
from aristobot.exchanges.paper.markets import PRICE_EXCHANGE
from aristobot.runtime import Runtime, Slot

log = logging.getLogger(__name__)
_CHUNK = 500
#: Exchanges whose markets are being loaded in this process (a second load is skipped).
LOADING: Slot[set[str]] = Slot("markets.loading")


def market_source(exchange_id: str) -> str:
    """The exchange whose markets a broker of ``exchange_id`` uses."""
    return PRICE_EXCHANGE if exchange_id == PAPER else exchange_id


def market_rows(exchange_id: str, markets: dict[str, Market]) -> list[dict[str, Any]]:
    """Turn an exchange's markets into ``exchange_symbols`` values (one per symbol)."""
    now = datetime.now(UTC)
    return [{
        "exchange": exchange_id, "symbol": symbol, "base": m.base[:32], "quote": m.quote[:32],
        "active": m.active, "type": m.type[:16],
        "min_amount": m.rules.min_amount, "max_amount": m.rules.max_amount,
        "min_cost": m.rules.min_cost, "price_precision": m.rules.price_step,
        "amount_precision": m.rules.amount_step, "updated_at": now,
    } for symbol, m in markets.items() if len(symbol) <= 64]


async def _publish(runtime: Runtime, exchange_id: str, pct: float, done: bool = False,
                   error: str | None = None) -> None:
    payload = {"exchange": exchange_id, "name": display_name(exchange_id),
               "pct": round(pct, 1), "done": done, "error": error}
    # A failed publish raises (BusError): pages wait for ``done``, so a load whose progress
    # cannot be told is reported as failed rather than left spinning silently.
    await runtime.bus.publish(Channels.MARKETS_PROGRESS, "progress", payload)


async def load_exchange_markets(runtime: Runtime, exchange_id: str) -> int:
    """Fetch ``exchange_id``'s markets and replace its rows; return how many were stored.

    Errors are published (French) and raised as Aristobot errors.
    """
    exchange_id = market_source(exchange_id)
    loading = runtime.provide(LOADING, set)
    if exchange_id in loading:
        return 0
    loading.add(exchange_id)
    try:
        await _publish(runtime, exchange_id, 0.0)
        handle = await get_manager(runtime).public_exchange(exchange_id)
        markets = await handle.load_markets(reload=True)
        await _publish(runtime, exchange_id, 40.0)
        rows = market_rows(exchange_id, markets)
        await _publish(runtime, exchange_id, 60.0)
        # One short write transaction, off the event loop, with nothing awaited inside it.
        await asyncio.to_thread(replace_rows, runtime.sessions, exchange_id, rows)
        await _publish(runtime, exchange_id, 100.0, done=True)
        log.info("loaded %d markets of %s", len(rows), exchange_id)
        return len(rows)
    except AristobotError as e:
        await _publish(runtime, exchange_id, 100.0, done=True, error=e.user_message())
        raise
    finally:
        loading.discard(exchange_id)


def replace_rows(sessions: sessionmaker[Session], exchange_id: str,
                 rows: list[dict[str, Any]]) -> None:
    """Replace the exchange's rows in one transaction (readers never see half a list)."""
    with sessions.begin() as s:
        s.execute(delete(ExchangeSymbolRow).where(ExchangeSymbolRow.exchange == exchange_id))
        for i in range(0, len(rows), _CHUNK):
            s.execute(insert(ExchangeSymbolRow), rows[i:i + _CHUNK])


def loaded_exchanges(s: Session) -> dict[str, int]:
    """Exchanges present in ``exchange_symbols`` with their number of markets."""
    q = select(ExchangeSymbolRow.exchange, func.count()).group_by(ExchangeSymbolRow.exchange)
    return {name: count for name, count in s.execute(q).all()}


def active_symbols(s: Session, exchange_id: str) -> list[str]:
    """The active symbols stored for ``exchange_id`` (shared table), sorted."""
    q = (select(ExchangeSymbolRow.symbol)
         .where(ExchangeSymbolRow.exchange == exchange_id, ExchangeSymbolRow.active.is_(True))
         .order_by(ExchangeSymbolRow.symbol))
    return list(s.scalars(q))


async def _load_each(runtime: Runtime, exchange_ids: Iterable[str]) -> dict[str, int | str]:
    result: dict[str, int | str] = {}
    for ex in sorted(set(exchange_ids)):
        try:
            result[ex] = await load_exchange_markets(runtime, ex)
        except AristobotError as e:
            log.warning("markets of %s not loaded: %s", ex, e)
            result[ex] = e.user_message()
    return result


async def load_missing_markets(runtime: Runtime) -> dict[str, int | str]:
    """At start: load only the exchanges of active brokers missing from ``exchange_symbols``.

    Paper brokers are skipped here (they work with built-in markets until Binance's are
    loaded), so a start never reaches an exchange nobody configured.
    """
    with runtime.sessions() as s:
        wanted = active_exchanges(s) - {PAPER}
        missing = wanted - set(loaded_exchanges(s))
    return await _load_each(runtime, missing)


async def reload_all_markets(runtime: Runtime) -> dict[str, int | str]:
    """Reload every exchange in use or already loaded (the status bar's action)."""
    with runtime.sessions() as s:
        wanted = {market_source(e) for e in active_exchanges(s)} | set(loaded_exchanges(s))
    return await _load_each(runtime, wanted)


async def ensure_markets(runtime: Runtime, exchange_id: str) -> int:
    """Load ``exchange_id``'s markets only when they are not stored yet."""
    source = market_source(exchange_id)
    if exchange_id == PAPER:
        return 0  # built-in markets until Binance's are loaded on purpose
    with runtime.sessions() as s:
        if source in loaded_exchanges(s):
            return 0
    return await load_exchange_markets(runtime, source)
