"""Every number a user reads: French separators, the market's precision, USD to the cent.

One rule for the whole dashboard: ``9166.252432347`` USD reads « 9 166,25 », a quantity
``0.01990766030842545`` reads « 0,01990766 », a BTC price reads « 58 366,90 ». Thousands are
grouped with a narrow no-break space (U+202F), decimals follow a comma. Pages and view-models
format through here and never call ``f"{x:.2f}"`` themselves.

Prices and quantities take **the market's precision** (its tick size and lot step, as ccxt
loaded them): a page keeps a :class:`PrecisionBook` of its exchange's markets and formats
through ``book.of(symbol)``; a symbol whose market is not known falls back to the readable
default. Amounts in USD or in the quote currency (values,
totals, P&L) are to the cent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol

from aristobot.domain.exchange import USD_LIKE, USD_QUOTES

THIN = "\u202f"  # narrow no-break space: the French thousands separator
MAX_DECIMALS = 8  # what a quantity or a price can need at most (satoshis)
EMPTY = "—"

Number = Decimal | float | int


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _group(digits: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return THIN.join(parts)


def format_fixed(value: Any, decimals: int, *, strip: bool = False) -> str:
    """Return ``value`` rounded to ``decimals`` places, French style (« — » when not a number).

    ``strip`` drops trailing zeros (and the comma when nothing is left after it)."""
    d = _as_decimal(value)
    if d is None:
        return EMPTY
    decimals = max(0, min(decimals, 12))
    q = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)  # as people round
    text = f"{abs(q):.{decimals}f}"
    whole, _, frac = text.partition(".")
    if strip:
        frac = frac.rstrip("0")
    sign = "-" if q < 0 and (int(whole) or frac.strip("0")) else ""
    return sign + _group(whole) + ("," + frac if frac else "")


def decimals_of_step(step: Any) -> int | None:
    """Return the decimals a market's step (ccxt precision ``0.01`` or ``2``) allows."""
    d = _as_decimal(step)
    if d is None or d <= 0:
        return None
    if d == d.to_integral_value() and d >= 1:
        # ccxt's DECIMAL_PLACES mode gives a count; TICK_SIZE mode gives 1 for whole units.
        return 0 if d == 1 else min(int(d), MAX_DECIMALS)
    return max(0, -d.normalize().as_tuple().exponent)  # type: ignore[operator]


def format_usd(value: Any) -> str:
    """Return an amount in USD (or a stablecoin) to the cent: « 9 166,25 »."""
    return format_fixed(value, 2)


def format_price(value: Any, decimals: int | None = None) -> str:
    """Return a price with the market's ``decimals``, else a readable precision.

    Without the market's precision: 2 decimals from 1 up, 4 significant digits below 1."""
    d = _as_decimal(value)
    if d is None:
        return EMPTY
    if decimals is None:
        decimals = _auto_decimals(d, significant=4)
    return format_fixed(d, decimals)


def format_quantity(value: Any, decimals: int | None = None) -> str:
    """Return a quantity with the market's ``decimals`` (else up to 8), trailing zeros dropped."""
    return format_fixed(value, MAX_DECIMALS if decimals is None else decimals, strip=True)


def format_percent(value: Any, decimals: int = 2) -> str:
    """Return a percentage already in percent units: ``12.345`` → « 12,35 % »."""
    text = format_fixed(value, decimals)
    return text if text == EMPTY else f"{text}{THIN}%"


def format_number(value: Any) -> str:
    """Return any statistic: integers whole, other numbers with 2 decimals (4 significant
    digits below 1)."""
    d = _as_decimal(value)
    if d is None:
        return EMPTY
    if isinstance(value, int) or (isinstance(value, Decimal) and d == d.to_integral_value()):
        return format_fixed(d, 0)
    return format_fixed(d, _auto_decimals(d, significant=4))


def _auto_decimals(d: Decimal, significant: int) -> int:
    a = abs(d)
    if a == 0 or a >= 1:
        return 2
    # 0.0199 → first significant digit at 10^-2 → 2 + 4 - 1 = 5 decimals
    lead = -a.adjusted()
    return min(MAX_DECIMALS, lead + significant - 1)


class _Rules(Protocol):
    """What a market's rules tell about its precision (aristobot.domain.exchange.MarketRules)."""

    @property
    def price_step(self) -> Decimal | None: ...

    @property
    def amount_step(self) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class Precision:
    """A market's decimals for prices and quantities (``None``: the readable default)."""

    price_decimals: int | None = None
    amount_decimals: int | None = None

    def price(self, value: Any) -> str:
        """A price of this market: « 58 366,90 » for a 0.01 tick."""
        return format_price(value, self.price_decimals)

    def quantity(self, value: Any, *, column: bool = False) -> str:
        """A quantity of this market, to its lot step, trailing zeros dropped; in a ``column``
        of quantities the zeros stay when the lot step is known, so digits line up."""
        if column and self.amount_decimals is not None:
            return format_fixed(value, self.amount_decimals)
        return format_quantity(value, self.amount_decimals)


UNKNOWN = Precision()


def precision_of(rules: _Rules | None) -> Precision:
    """Return the :class:`Precision` of a market's rules (the default when unknown)."""
    if rules is None:
        return UNKNOWN
    return Precision(decimals_of_step(rules.price_step), decimals_of_step(rules.amount_step))


class PrecisionBook:
    """The precision of every market of an exchange, by symbol (computed when first asked).

    ``rules`` maps a symbol to its market rules (``MarketRules``, or a ``Market``'s ``.rules``);
    a symbol that is not there gets the readable default."""

    def __init__(self, rules: Mapping[str, _Rules] | None = None) -> None:
        self._rules: Mapping[str, _Rules] = rules or {}
        self._cache: dict[str, Precision] = {}

    def of(self, symbol: str) -> Precision:
        """The precision of ``symbol`` (« BTC/USDT »)."""
        if symbol not in self._cache:
            self._cache[symbol] = precision_of(self._rules.get(symbol))
        return self._cache[symbol]

    def of_asset(self, asset: str) -> Precision:
        """The precision of ``asset``'s USD market (its USD price, its lot step)."""
        for quote in USD_QUOTES:
            if f"{asset}/{quote}" in self._rules:
                return self.of(f"{asset}/{quote}")
        return UNKNOWN

    def balance(self, asset: str, value: Any) -> str:
        """A balance of ``asset``: dollars to the cent, else to its USD market's lot step."""
        if asset.upper() in USD_LIKE:
            return format_usd(value)
        return self.of_asset(asset).quantity(value)
