"""The paper broker: a ccxt-like exchange that simulates fills against live prices.

It answers the subset of the ccxt unified API the rest of Aristobot uses (``load_markets``,
``fetch_balance``, ``fetch_ticker``, ``create_order``, ``fetch_order``,
``fetch_open_orders``, ``cancel_order``, ``fetch_ohlcv``, ``close``), returns ccxt-shaped
dicts and raises ccxt exceptions, so the :class:`ExchangeHandle` boundary treats it like any
exchange. Balances and orders live in ``paper_balances`` / ``paper_orders``: open limit
orders survive restarts and are matched whenever the broker is used (or ``match_orders``).

Several processes may use one paper account (webhook order processes, the dashboard): every
read-modify-write of its balances runs in a transaction that first locks the account
(:meth:`PaperExchange._lock_account`), so two fills never lose an update.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import ccxt.async_support as ccxt
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aristobot.db.models import BrokerRow, PaperBalanceRow, PaperOrderRow
from aristobot.db.writelock import begin_write
from aristobot.errors import AristobotError
from aristobot.exchanges.paper import ledger
from aristobot.exchanges.paper.markets import paper_markets
from aristobot.exchanges.paper.prices import PriceSource, range_since

QUOTE = "USDT"


def _f(v: Decimal | None) -> float | None:
    return float(v) if v is not None else None


def _order_dict(row: PaperOrderRow) -> dict[str, Any]:
    ts = int(row.created_at.timestamp() * 1000)
    status = {"open": "open", "closed": "closed", "canceled": "canceled"}[row.status]
    cost = row.filled * row.average if row.average is not None else Decimal(0)
    return {
        "id": str(row.id), "clientOrderId": row.client_order_id, "timestamp": ts,
        "datetime": row.created_at.isoformat(), "lastTradeTimestamp": None,
        "symbol": row.symbol, "type": row.order_type, "side": row.side,
        "price": _f(row.price if row.price is not None else row.average),
        "amount": _f(row.amount), "filled": _f(row.filled),
        "remaining": _f(row.amount - row.filled), "cost": _f(cost),
        "average": _f(row.average), "status": status,
        "fee": {"cost": _f(row.fee), "currency": row.fee_currency},
        "trades": [], "info": {"paper": True},
    }


class PaperExchange:
    """One paper account (one broker). Not shared across brokers."""

    id = "paper"
    name = "Paper"

    def __init__(self, sessions: sessionmaker[Session], broker_id: int, capital: Decimal,
                 prices: PriceSource, fee_rate: Decimal = ledger.DEFAULT_FEE_RATE,
                 ohlcv: Callable[..., Awaitable[list[list[float]]]] | None = None) -> None:
        self._sessions = sessions
        self.broker_id = broker_id
        self.capital = capital
        self.prices = prices
        self.fee_rate = fee_rate
        self._ohlcv = ohlcv
        self._lock = asyncio.Lock()
        self.markets: dict[str, dict[str, Any]] | None = None
        self.symbols: list[str] = []
        self.precisionMode = 4  # TICK_SIZE: precision values are steps

    # --- markets and prices ------------------------------------------------------------------
    async def load_markets(self, reload: bool = False, params: dict[str, Any] | None = None
                           ) -> dict[str, dict[str, Any]]:
        if self.markets is None or reload:
            with self._sessions() as s:
                self.markets = paper_markets(s)
            self.symbols = sorted(self.markets)
        return self.markets

    def market(self, symbol: str) -> dict[str, Any]:
        if self.markets is None or symbol not in self.markets:
            raise ccxt.BadSymbol(f"paper does not have market symbol {symbol}")
        return self.markets[symbol]

    async def fetch_ticker(self, symbol: str, params: dict[str, Any] | None = None
                           ) -> dict[str, Any]:
        await self.load_markets()
        self.market(symbol)
        last = float(await self.prices.last_price(symbol))
        return {"symbol": symbol, "last": last, "close": last, "bid": last, "ask": last,
                "timestamp": int(datetime.now(UTC).timestamp() * 1000), "info": {}}

    async def fetch_ohlcv(self, symbol: str, timeframe: str = "1m", since: int | None = None,
                          limit: int | None = None, params: dict[str, Any] | None = None
                          ) -> list[list[float]]:
        if self._ohlcv is None:
            raise ccxt.NotSupported("paper: no candle source configured")
        return await self._ohlcv(symbol, timeframe, since, limit)

    # --- balances ----------------------------------------------------------------------------
    def _lock_account(self, s: Session) -> None:
        """Make ``s`` the only transaction changing this account until it ends, in any
        process: the broker's row ``FOR UPDATE`` on PostgreSQL, the writer's lock and
        ``BEGIN IMMEDIATE`` on SQLite. Call it before reading the balances."""
        if s.get_bind().dialect.name == "postgresql":
            s.execute(select(BrokerRow.id).where(BrokerRow.id == self.broker_id)
                      .with_for_update())
        else:
            begin_write(s)

    def _rows(self, s: Session) -> dict[str, PaperBalanceRow]:
        return {r.asset: r for r in s.scalars(
            select(PaperBalanceRow).where(PaperBalanceRow.broker_id == self.broker_id))}

    def _load_balances(self, s: Session) -> tuple[ledger.Balances, dict[str, PaperBalanceRow]]:
        rows = self._rows(s)
        if not rows:  # a new account: its capital is written once, under the lock
            self._lock_account(s)
            rows = self._rows(s)
        if not rows:
            row = PaperBalanceRow(broker_id=self.broker_id, asset=QUOTE, free=self.capital,
                                  used=Decimal(0))
            s.add(row)
            rows[QUOTE] = row
        return {a: ledger.Balance(r.free, r.used) for a, r in rows.items()}, rows

    def _save_balances(self, s: Session, bal: ledger.Balances,
                       rows: dict[str, PaperBalanceRow]) -> None:
        for asset, b in bal.items():
            row = rows.get(asset)
            if row is None:
                s.add(PaperBalanceRow(broker_id=self.broker_id, asset=asset, free=b.free,
                                      used=b.used))
            else:
                row.free, row.used = b.free, b.used

    async def fetch_balance(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.match_orders()
        with self._sessions.begin() as s:
            bal, _ = self._load_balances(s)
        out: dict[str, Any] = {"info": {"paper": True}, "free": {}, "used": {}, "total": {}}
        for asset, b in sorted(bal.items()):
            out["free"][asset], out["used"][asset] = float(b.free), float(b.used)
            out["total"][asset] = float(b.total)
            out[asset] = {"free": float(b.free), "used": float(b.used), "total": float(b.total)}
        return out

    # --- orders ------------------------------------------------------------------------------
    async def create_order(self, symbol: str, type: str, side: str, amount: float,
                           price: float | None = None, params: dict[str, Any] | None = None
                           ) -> dict[str, Any]:
        await self.load_markets()
        market = self.market(symbol)
        if type not in ("market", "limit"):
            raise ccxt.InvalidOrder(f"paper: order type {type!r} not supported")
        if side not in ("buy", "sell"):
            raise ccxt.InvalidOrder(f"paper: unknown side {side!r}")
        qty = ledger.quantize(Decimal(str(amount)))
        if qty <= 0:
            raise ccxt.InvalidOrder("paper: amount must be positive")
        limit = (ledger.quantize(Decimal(str(price)))
                 if price is not None and type == "limit" else None)
        if type == "limit" and (limit is None or limit <= 0):
            raise ccxt.InvalidOrder("paper: a limit order needs a positive price")
        cid = (params or {}).get("clientOrderId")
        last = ledger.quantize(await self.prices.last_price(symbol))
        async with self._lock:
            with self._sessions.begin() as s:
                self._lock_account(s)
                if cid and s.scalar(select(PaperOrderRow.id).where(
                        PaperOrderRow.broker_id == self.broker_id,
                        PaperOrderRow.client_order_id == cid)):
                    raise ccxt.InvalidOrder("paper: Duplicate order sent.")
                row = self._place(s, market, side, type, qty, limit, last, cid)
                return _order_dict(row)

    def _place(self, s: Session, market: dict[str, Any], side: str, type: str, qty: Decimal,
               limit: Decimal | None, last: Decimal, cid: str | None) -> PaperOrderRow:
        base, quote = market["base"], market["quote"]
        bal, rows = self._load_balances(s)
        row = PaperOrderRow(broker_id=self.broker_id, client_order_id=cid,
                            symbol=market["symbol"], side=side, order_type=type, amount=qty,
                            price=limit, filled=Decimal(0), fee=Decimal(0), fee_currency=quote,
                            status="open")
        fill_at = last if limit is None else ledger.limit_fill_price(side, limit, last)
        if fill_at is not None:
            row.fee = ledger.fill(bal, base, quote, side, qty, fill_at, self.fee_rate)
            row.filled, row.average, row.status = qty, fill_at, "closed"
        else:
            assert limit is not None
            asset = quote if side == "buy" else base
            ledger.reserve(bal, asset, ledger.reservation(side, qty, limit, self.fee_rate))
        self._save_balances(s, bal, rows)
        s.add(row)
        s.flush()
        return row

    async def match_orders(self) -> int:
        """Fill the open limit orders whose price was reached; return how many filled.

        Reached means: the last price is at or beyond the limit, or a 1m heartbeat candle
        opened since the order was placed went through it (its low for a buy, its high for
        a sell), so a spike between two checks is not missed. Fills are at the limit price.
        """
        with self._sessions() as s:
            symbols = set(s.scalars(select(PaperOrderRow.symbol).where(
                PaperOrderRow.broker_id == self.broker_id, PaperOrderRow.status == "open")))
        if not symbols:
            return 0
        await self.load_markets()
        prices: dict[str, Decimal] = {}
        for sym in symbols:
            try:
                prices[sym] = await self.prices.last_price(sym)
            except AristobotError:
                continue  # no price now: candles may still show the limit was reached
        filled = 0
        async with self._lock:
            with self._sessions.begin() as s:
                self._lock_account(s)
                bal, rows = self._load_balances(s)
                for row in s.scalars(select(PaperOrderRow).where(
                        PaperOrderRow.broker_id == self.broker_id,
                        PaperOrderRow.status == "open").order_by(PaperOrderRow.id)):
                    if not self._reached(s, row, prices.get(row.symbol)):
                        continue
                    assert row.price is not None
                    base, quote = self._assets(row.symbol)
                    reserved = ledger.reservation(row.side, row.amount, row.price, self.fee_rate)
                    row.fee = ledger.fill(bal, base, quote, row.side, row.amount, row.price,
                                          self.fee_rate, reserved=reserved)
                    row.filled, row.average, row.status = row.amount, row.price, "closed"
                    filled += 1
                self._save_balances(s, bal, rows)
        return filled

    @staticmethod
    def _reached(s: Session, row: PaperOrderRow, last: Decimal | None) -> bool:
        assert row.price is not None
        if last is not None and ledger.limit_fill_price(row.side, row.price, last) is not None:
            return True
        span = range_since(s, row.symbol, row.created_at)
        return span is not None and ledger.limit_touched(row.side, row.price, *span)

    def _assets(self, symbol: str) -> tuple[str, str]:
        if self.markets and symbol in self.markets:
            return self.markets[symbol]["base"], self.markets[symbol]["quote"]
        base, _, quote = symbol.partition("/")
        return base, quote

    def _find(self, s: Session, id: str | None, params: dict[str, Any] | None) -> PaperOrderRow:
        cid = (params or {}).get("clientOrderId") or (params or {}).get("origClientOrderId")
        q = select(PaperOrderRow).where(PaperOrderRow.broker_id == self.broker_id)
        if cid:
            q = q.where(PaperOrderRow.client_order_id == cid)
        elif id is not None and str(id).isdigit():
            q = q.where(PaperOrderRow.id == int(id))
        else:
            raise ccxt.OrderNotFound(f"paper: order {id} not found")
        row = s.scalar(q)
        if row is None:
            raise ccxt.OrderNotFound(f"paper: order {cid or id} not found")
        return row

    async def fetch_order(self, id: str | None, symbol: str | None = None,
                          params: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.match_orders()
        with self._sessions() as s:
            return _order_dict(self._find(s, id, params))

    async def fetch_open_orders(self, symbol: str | None = None, since: int | None = None,
                                limit: int | None = None, params: dict[str, Any] | None = None
                                ) -> list[dict[str, Any]]:
        await self.match_orders()
        with self._sessions() as s:
            q = select(PaperOrderRow).where(PaperOrderRow.broker_id == self.broker_id,
                                            PaperOrderRow.status == "open")
            if symbol:
                q = q.where(PaperOrderRow.symbol == symbol)
            return [_order_dict(r) for r in s.scalars(q.order_by(PaperOrderRow.id))]

    async def cancel_order(self, id: str, symbol: str | None = None,
                           params: dict[str, Any] | None = None) -> dict[str, Any]:
        async with self._lock:
            with self._sessions.begin() as s:
                self._lock_account(s)
                row = self._find(s, id, params)
                if row.status != "open":
                    raise ccxt.OrderNotFound(f"paper: order {id} is {row.status}, not open")
                assert row.price is not None
                bal, rows = self._load_balances(s)
                base, quote = self._assets(row.symbol)
                ledger.release(bal, quote if row.side == "buy" else base,
                               ledger.reservation(row.side, row.amount, row.price, self.fee_rate))
                row.status = "canceled"
                self._save_balances(s, bal, rows)
                s.flush()
                return _order_dict(row)

    async def close(self) -> None:
        """Nothing to release: state lives in the database."""
