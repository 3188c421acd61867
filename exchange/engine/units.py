"""Units and the one place that converts between them and Kalshi's wire forms.

Price: integer $0.0001 (1 cent = 100, $1 = 10,000). Count: integer hundredths of a contract
(1 contract = 100). Money: integer $0.0001, like prices.
"""

import re

ONE_DOLLAR = 10_000
CENT = 100
ONE_CONTRACT = 100


_MAX_DIGITS = 30  # far beyond any real amount; bounds the work a hostile input can cause


class UnitError(ValueError):
    """A wire value that does not convert exactly into our units."""


def price_from_cents(cents: int) -> int:
    return int(cents) * CENT


def price_to_cents(price: int) -> int:
    """Whole cents, rounding down sub-cent prices (the legacy integer fields cannot carry them)."""
    return price // CENT


def dollars_to_units(text: str | int) -> int:
    """'0.4500' -> 4500. Rejects anything finer than $0.0001."""
    return _fixed_to_int(text, 4)


def cents_to_price(text: str | int) -> int:
    """'45' or '45.50' (cents, as FIX sends prices without UseDollars) -> 4550. Finer than $0.0001 is rejected."""
    return _fixed_to_int(text, 2)


def units_to_dollars(units: int) -> str:
    """4500 -> '0.4500' (always four decimals so clients can key levels by the string)."""
    sign = "-" if units < 0 else ""
    units = abs(units)
    return f"{sign}{units // ONE_DOLLAR}.{units % ONE_DOLLAR:04d}"


def units_to_dollars6(units: int) -> str:
    """4500 -> '0.450000': the six decimals Kalshi's fee and cost fields carry ($0.0001 units are exact in it)."""
    return units_to_dollars(units) + "00"


def count_from_contracts(contracts: int) -> int:
    return int(contracts) * ONE_CONTRACT


def count_to_contracts(count: int) -> int:
    """Whole contracts, rounding toward zero (legacy integer fields)."""
    return -(-count // ONE_CONTRACT) if count < 0 else count // ONE_CONTRACT


def fp_to_count(text: str | int) -> int:
    """'10.00' -> 1000. Rejects anything finer than 0.01 contracts."""
    return _fixed_to_int(text, 2)


def count_to_fp(count: int) -> str:
    """1000 -> '10.00'."""
    sign = "-" if count < 0 else ""
    count = abs(count)
    return f"{sign}{count // ONE_CONTRACT}.{count % ONE_CONTRACT:02d}"


# The documented fixed-point forms: digits, optionally a point and more digits, optionally a leading
# minus. No exponent ("1e3" is not 1,000 contracts), no sign "+", no spaces, no "_" separators.
_FIXED_POINT = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?")


_INTEGER = re.compile(r"-?[0-9]{1,30}")


def parse_integer(text: str) -> int:
    """A wire integer: ASCII digits with an optional minus. int() alone would also take "1_000", " 7" and
    non-ASCII digits."""
    if not isinstance(text, str) or _INTEGER.fullmatch(text) is None:
        raise UnitError(f"not an integer: {text!r}")
    return int(text)


def _fixed_to_int(text: str | int, places: int) -> int:
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        raise UnitError(f"not a decimal string: {text!r}")
    match = _FIXED_POINT.fullmatch(text)
    if match is None:
        raise UnitError(f"not a decimal number: {text!r}")
    whole, fraction = match.group(1).lstrip("0"), (match.group(2) or "").rstrip("0")
    if len(fraction) > places:
        raise UnitError(f"{text!r} has more than {places} decimal places")
    if len(whole) + places > _MAX_DIGITS:
        raise UnitError(f"{text!r} is out of range")
    magnitude = int((whole or "0") + fraction.ljust(places, "0"))
    return -magnitude if text.startswith("-") else magnitude


def notional(side_is_bid: bool, price: int, count: int) -> int:
    """What the buyer on one side of the YES-space book pays for `count` at YES price `price`.

    A bid pays the YES price; an ask (a NO buyer) pays the NO price. The two always add up to
    exactly $1 per contract, so money is conserved even for sub-cent prices and fractional counts.
    """
    yes_side = price * count // ONE_CONTRACT
    return yes_side if side_is_bid else count * CENT - yes_side
