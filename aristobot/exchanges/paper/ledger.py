"""Paper broker accounting: pure functions over balances (no I/O, exact Decimal).

Fees are charged in the quote currency on both sides (a simplification of Binance, which
takes buy fees in the base asset): a buy costs ``amount*price*(1+fee)`` quote, a sell brings
``amount*price*(1-fee)`` quote. Limit orders reserve what they may spend in ``used``.

Every amount leaving this module is quantized to 18 decimal places (the columns are
NUMERIC(38, 18)): PostgreSQL would round longer values on its own while SQLite keeps them
whole, so both backends would disagree. Costs round half-even, fees round up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_UP, Context, Decimal

import ccxt.async_support as ccxt

DEFAULT_FEE_RATE = Decimal("0.001")  # 0.1 %, Binance's spot taker fee without discount
ZERO = Decimal(0)
QUANTUM = Decimal("1e-18")  # the scale of every amount column
_CTX = Context(prec=38)  # NUMERIC(38, 18): 20 integer digits + 18 decimals


def quantize(value: Decimal, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """Round ``value`` to the 18 decimal places the database stores."""
    return value.quantize(QUANTUM, rounding=rounding, context=_CTX)


@dataclass
class Balance:
    free: Decimal = ZERO
    used: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.free + self.used


Balances = dict[str, Balance]


def _fmt(v: Decimal) -> str:
    return format(v.normalize(), "f")


def _take(balances: Balances, asset: str, qty: Decimal, reserved: Decimal) -> None:
    """Take ``qty`` of ``asset``: first from the ``reserved`` part of ``used``, then free."""
    bal = balances.setdefault(asset, Balance())
    from_used = min(reserved, qty)
    rest = qty - from_used
    if rest > bal.free:
        raise ccxt.InsufficientFunds(
            f"paper: insufficient {asset} balance: need {_fmt(rest)}, free {_fmt(bal.free)}"
        )
    bal.used -= from_used
    bal.free -= rest
    # What was reserved but not needed (a better fill price) goes back to free.
    if reserved > from_used:
        bal.used -= reserved - from_used
        bal.free += reserved - from_used


def cost_and_fee(amount: Decimal, price: Decimal, fee_rate: Decimal) -> tuple[Decimal, Decimal]:
    """Return (quote value, fee), both quantized (the fee rounded up)."""
    cost = _CTX.multiply(amount, price)
    return quantize(cost), quantize(_CTX.multiply(cost, fee_rate), ROUND_UP)


def buy_cost(amount: Decimal, price: Decimal, fee_rate: Decimal) -> tuple[Decimal, Decimal]:
    """Return (total quote spent, fee) for buying ``amount`` at ``price``."""
    cost, fee = cost_and_fee(amount, price, fee_rate)
    return cost + fee, fee


def fill(balances: Balances, base: str, quote: str, side: str, amount: Decimal, price: Decimal,
         fee_rate: Decimal = DEFAULT_FEE_RATE, reserved: Decimal = ZERO) -> Decimal:
    """Apply a fill to ``balances`` in place; return the fee (quote). All or nothing."""
    if amount <= 0 or price <= 0:
        raise ccxt.InvalidOrder("paper: amount and price must be positive")
    if side == "buy":
        total, fee = buy_cost(amount, price, fee_rate)
        _take(balances, quote, total, reserved)
        balances.setdefault(base, Balance()).free += amount
        return fee
    if side == "sell":
        cost, fee = cost_and_fee(amount, price, fee_rate)
        _take(balances, base, amount, reserved)
        balances.setdefault(quote, Balance()).free += cost - fee
        return fee
    raise ccxt.InvalidOrder(f"paper: unknown side {side!r}")


def reserve(balances: Balances, asset: str, qty: Decimal) -> None:
    """Move ``qty`` of ``asset`` from free to used (an open limit order)."""
    bal = balances.setdefault(asset, Balance())
    if qty > bal.free:
        raise ccxt.InsufficientFunds(
            f"paper: insufficient {asset} balance: need {_fmt(qty)}, free {_fmt(bal.free)}"
        )
    bal.free -= qty
    bal.used += qty


def release(balances: Balances, asset: str, qty: Decimal) -> None:
    """Give back a reservation (a cancelled limit order)."""
    bal = balances.setdefault(asset, Balance())
    back = min(qty, bal.used)
    bal.used -= back
    bal.free += back


def reservation(side: str, amount: Decimal, price: Decimal, fee_rate: Decimal) -> Decimal:
    """What an open limit order reserves: quote (fee included) for a buy, base for a sell."""
    return buy_cost(amount, price, fee_rate)[0] if side == "buy" else amount


def limit_fill_price(side: str, limit: Decimal, last: Decimal) -> Decimal | None:
    """Return the fill price of a limit order given the last price, None if not reached."""
    if side == "buy" and last <= limit:
        return last
    if side == "sell" and last >= limit:
        return last
    return None


def limit_touched(side: str, limit: Decimal, low: Decimal, high: Decimal) -> bool:
    """True when a candle range [low, high] reached a limit order's price."""
    return low <= limit if side == "buy" else high >= limit
