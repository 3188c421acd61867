"""Unit conversions between engine integers and Kalshi's wire forms."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.engine.units import (
    ONE_CONTRACT,
    ONE_DOLLAR,
    UnitError,
    cents_to_price,
    count_from_contracts,
    count_to_contracts,
    count_to_fp,
    dollars_to_units,
    fp_to_count,
    notional,
    parse_integer,
    price_from_cents,
    price_to_cents,
    units_to_dollars,
)


def test_cents_to_price_and_back():
    """1 cent is 100 units; sub-cent prices round down to whole cents."""
    assert price_from_cents(45) == 4500
    assert price_to_cents(4500) == 45
    assert price_to_cents(4590) == 45


@pytest.mark.parametrize(
    ("text", "units"),
    [("0.4500", 4500), ("0.45", 4500), ("1", 10_000), ("0.0001", 1), ("0.9900", 9900), ("-1.2500", -12_500)],
)
def test_dollars_to_units(text, units):
    """Dollar strings convert exactly, including negatives and fewer than four decimals."""
    assert dollars_to_units(text) == units


@pytest.mark.parametrize(
    ("units", "text"),
    [(4500, "0.4500"), (1, "0.0001"), (0, "0.0000"), (-5, "-0.0005"), (123_456, "12.3456"), (-12_500, "-1.2500")],
)
def test_units_to_dollars(units, text):
    """Dollar strings always carry four decimals and a leading minus for negatives."""
    assert units_to_dollars(units) == text


@pytest.mark.parametrize(("text", "count"), [("10.00", 1000), ("0.01", 1), ("3", 300), ("-2.50", -250)])
def test_fp_to_count(text, count):
    """Count strings convert to hundredths of a contract."""
    assert fp_to_count(text) == count


@pytest.mark.parametrize(("count", "text"), [(1000, "10.00"), (1, "0.01"), (0, "0.00"), (-250, "-2.50")])
def test_count_to_fp(count, text):
    """Count strings always carry two decimals."""
    assert count_to_fp(count) == text


@pytest.mark.parametrize("text", ["0.00001", "0.45001", "1.23456"])
def test_dollars_reject_sub_ten_thousandths(text):
    """More than four decimal places cannot be represented and is rejected."""
    with pytest.raises(UnitError):
        dollars_to_units(text)


@pytest.mark.parametrize("text", ["0.001", "1.005", "-0.001"])
def test_fp_rejects_more_than_two_decimals(text):
    """More than two decimal places of a contract is rejected."""
    with pytest.raises(UnitError):
        fp_to_count(text)


@pytest.mark.parametrize("text", ["", "abc", "NaN", "inf", "-Infinity", "1,5", True, False])
def test_non_numbers_rejected(text):
    """Non-numeric, non-finite and boolean inputs are rejected, not coerced."""
    with pytest.raises(UnitError):
        dollars_to_units(text)
    with pytest.raises(UnitError):
        fp_to_count(text)


@pytest.mark.parametrize("value", [0.45, 1.0, 0.1 + 0.2])
def test_floats_rejected(value):
    """Money never passes through a float: a float input is refused, even one that looks exact."""
    with pytest.raises(UnitError):
        dollars_to_units(value)
    with pytest.raises(UnitError):
        fp_to_count(value)


def test_unit_error_is_value_error():
    """Callers catching ValueError also catch UnitError."""
    assert issubclass(UnitError, ValueError)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_dollars_round_trip(units):
    """Every integer amount round-trips through its dollar string."""
    assert dollars_to_units(units_to_dollars(units)) == units


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_fp_round_trip(count):
    """Every integer count round-trips through its fp string."""
    assert fp_to_count(count_to_fp(count)) == count


def test_count_contracts():
    """Legacy integer counts: whole contracts, rounding toward zero on both signs."""
    assert count_from_contracts(7) == 700
    assert count_to_contracts(750) == 7
    assert count_to_contracts(-750) == -7
    assert count_to_contracts(-99) == 0


def test_count_to_contracts_is_exact_for_huge_counts():
    """No float rounding: huge negative counts convert exactly."""
    assert count_to_contracts(-(10**20 + 100)) == -(10**18 + 1)
    assert count_to_contracts(10**20 + 100) == 10**18 + 1


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_count_to_contracts_toward_zero(count):
    """Rounds toward zero: same magnitude whatever the sign."""
    whole = count_to_contracts(count)
    assert whole == (abs(count) // ONE_CONTRACT) * (1 if count >= 0 else -1)


def test_notional_known_values():
    """10 contracts at 45c: the YES buyer pays $4.50, the NO buyer $5.50."""
    assert notional(True, 4500, 1000) == 45_000
    assert notional(False, 4500, 1000) == 55_000


@given(st.integers(min_value=1, max_value=ONE_DOLLAR - 1), st.integers(min_value=1, max_value=10**9))
def test_notional_conserves_one_dollar_per_contract(price, count):
    """Bid plus ask notional is exactly $1 per contract, even for sub-cent prices and fractional counts."""
    bid, ask = notional(True, price, count), notional(False, price, count)
    assert bid + ask == count * ONE_DOLLAR // ONE_CONTRACT
    assert bid >= 0 and ask >= 0


def test_long_values_convert_exactly():
    """No rounding at Decimal's default 28-digit precision."""
    assert dollars_to_units("12345678901234567890123456.0001") == 123456789012345678901234560001
    assert fp_to_count("1234567890123456789012345678.01") == 123456789012345678901234567801


@pytest.mark.parametrize("text", ["1e-999999999", "1E-5", "0.00000000000000000000000000000001"])
def test_tiny_values_rejected_not_rounded_to_zero(text):
    """A nonzero amount finer than $0.0001 is rejected, however small."""
    with pytest.raises(UnitError):
        dollars_to_units(text)


@pytest.mark.parametrize("text", ["1e999999999", "9" * 40, "-1e40"])
def test_out_of_range_is_a_unit_error(text):
    """Absurdly large values raise UnitError (not decimal.Overflow) without building huge integers."""
    with pytest.raises(UnitError):
        dollars_to_units(text)


@pytest.mark.parametrize("text", ["1E+2", "1e3", "100.", ".5", "+0.5", " 0.99", "0.99 ", "1_000", "0x10", "١٢",
                                  "1.2.3", "--1", "0e-50"])
def test_only_documented_decimal_forms(text):
    """Exponents, a trailing or leading point, a plus sign, spaces, separators and non-ASCII digits are
    not the documented fixed-point form ("0.4500", "10.00") and are refused rather than reinterpreted."""
    with pytest.raises(UnitError):
        dollars_to_units(text)
    with pytest.raises(UnitError):
        fp_to_count(text)


@pytest.mark.parametrize(("text", "units"), [("0.450000", 4500), ("-0", 0), ("007.5", 75_000), (3, 30_000)])
def test_equivalent_spellings(text, units):
    """Trailing zeros, leading zeros, negative zero and ints convert exactly."""
    assert dollars_to_units(text) == units


def test_cents_to_price():
    """FIX prices in cents take up to two decimals (sub-cent ticks) and nothing else."""
    assert cents_to_price("45") == 4500 and cents_to_price("45.25") == 4525
    for text in ("4.5e1", "45.001", "", "x"):
        with pytest.raises(UnitError):
            cents_to_price(text)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**12), max_value=10**12))
def test_dollars_match_exact_decimal_arithmetic(value):
    """Any decimal with at most four places converts to exactly value x 10,000."""
    assert dollars_to_units(format(value, "f")) == int(value.scaleb(4))


@pytest.mark.parametrize("text", ["1_000", " 7", "7 ", "+7", "١٢", "１", "1e3", "", "9" * 31, 7])
def test_parse_integer_takes_ascii_digits_only(text):
    """Wire integers are ASCII digits with an optional minus; int() would accept most of these."""
    with pytest.raises(UnitError):
        parse_integer(text)
    assert parse_integer("-42") == -42 and parse_integer("007") == 7
