"""The one number-formatting rule of the dashboard (French separators, market precision)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aristobot.ui.numbers import (
    Precision,
    PrecisionBook,
    decimals_of_step,
    format_fixed,
    format_number,
    format_percent,
    format_price,
    format_quantity,
    format_usd,
    precision_of,
)

N = "\u202f"  # narrow no-break space


def test_the_issue_numbers_are_never_shown_raw() -> None:
    assert format_usd(9166.252432347) == f"9{N}166,25"
    assert format_quantity(0.01990766030842545) == "0,01990766"
    assert format_price(58366.9) == f"58{N}366,90"
    assert format_price(57085.14) == f"57{N}085,14"
    assert format_usd(Decimal("59280180.96")) == f"59{N}280{N}180,96"


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (0, 2, "0,00"), (-1234.5, 2, f"-1{N}234,50"), (999.995, 2, f"1{N}000,00"),
    (Decimal("0.5"), 0, "1"), (123456789, 0, f"123{N}456{N}789"), (-0.001, 2, "0,00"),
])
def test_fixed_rounds_half_up_and_groups_thousands(value: object, decimals: int,
                                                     expected: str) -> None:
    assert format_fixed(value, decimals) == expected


def test_market_precision_wins_over_the_readable_default() -> None:
    assert decimals_of_step(Decimal("0.01")) == 2
    assert decimals_of_step("0.00001") == 5
    assert decimals_of_step(1) == 0
    assert decimals_of_step(8) == 8  # ccxt DECIMAL_PLACES mode
    assert decimals_of_step(None) is None and decimals_of_step(0) is None
    assert format_price(0.2345678, decimals_of_step("0.0001")) == "0,2346"
    assert format_price(0.01990766) == "0,01991"  # 4 significant digits below 1
    assert format_quantity(Decimal("1.50000000"), 8) == "1,5"
    assert format_quantity(Decimal("10000")) == f"10{N}000"


@pytest.mark.parametrize("bad", [None, "abc", float("nan"), float("inf"), True])
def test_what_is_not_a_number_reads_as_a_dash(bad: object) -> None:
    assert format_usd(bad) == "—" and format_price(bad) == "—" and format_percent(bad) == "—"


def test_percent_and_statistics() -> None:
    assert format_percent(12.345) == f"12,35{N}%"  # half up, from the shortest repr
    assert format_number(42) == "42" and format_number(1234.5678) == f"1{N}234,57"
    assert format_number(0.0123456) == "0,01235"


class _Rules:
    def __init__(self, price_step: str | None, amount_step: str | None) -> None:
        self.price_step = None if price_step is None else Decimal(price_step)
        self.amount_step = None if amount_step is None else Decimal(amount_step)


def test_every_price_and_quantity_takes_its_markets_precision() -> None:
    book = PrecisionBook({"BTC/USDT": _Rules("0.01", "0.00001"),
                          "SHIB/USDT": _Rules("0.00000001", "1")})
    btc = book.of("BTC/USDT")
    assert btc.price(57085.1) == f"57{N}085,10"  # two decimals, as the last price
    assert btc.quantity(0.01990766030842545) == "0,01991"  # the lot step, not 17 decimals
    assert btc.quantity(0.0052) == "0,0052" and btc.quantity(0.0052, column=True) == "0,00520"
    assert book.of("XYZ/EUR").quantity(0.0052, column=True) == "0,0052"  # lot step unknown
    assert book.of("SHIB/USDT").price("0.0000123") == "0,00001230"
    assert book.of("SHIB/USDT").quantity(1234567.0) == f"1{N}234{N}567"
    unknown = book.of("XYZ/EUR")  # no market: the readable default
    assert unknown.price(0.01990766) == "0,01991" and unknown.quantity(1.5) == "1,5"


def test_balances_read_to_the_lot_step_and_dollars_to_the_cent() -> None:
    book = PrecisionBook({"BTC/USDT": _Rules("0.01", "0.00001")})
    assert book.balance("USDT", 9166.252432347) == f"9{N}166,25"
    assert book.balance("BTC", Decimal("0.123456789")) == "0,12346"
    assert book.of_asset("BTC").price(58366.9) == f"58{N}366,90"
    assert book.balance("DOGE", 12.5) == "12,5" and book.of_asset("DOGE") == Precision()
    assert precision_of(None) == Precision()
