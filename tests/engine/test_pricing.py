"""Price level structures and count granularity."""

import pytest

from exchange.engine import NewOrder, RejectCode, Side, validate
from exchange.engine.pricing import PRICE_LEVEL_STRUCTURES, is_valid_count, is_valid_price, price_ranges


def valid_prices(structure):
    return {p for p in range(-10, 10_011) if is_valid_price(structure, p)}


def test_linear_cent_prices():
    """linear_cent: 1c to 99c in whole cents."""
    assert valid_prices("linear_cent") == set(range(100, 9901, 100))


def test_deci_cent_prices():
    """deci_cent: 0.1c to 99.9c in tenths of a cent."""
    assert valid_prices("deci_cent") == set(range(10, 9991, 10))


def test_tapered_deci_cent_prices():
    """tapered_deci_cent: tenths of a cent below 10c and above 90c, whole cents between."""
    expected = set(range(10, 1001, 10)) | set(range(1000, 9001, 100)) | set(range(9000, 9991, 10))
    assert valid_prices("tapered_deci_cent") == expected
    assert len(expected) == 279


@pytest.mark.parametrize(
    ("structure", "price", "ok"),
    [
        ("linear_cent", 100, True),
        ("linear_cent", 9900, True),
        ("linear_cent", 0, False),
        ("linear_cent", 150, False),
        ("linear_cent", 10_000, False),
        ("linear_cent", -100, False),
        ("deci_cent", 10, True),
        ("deci_cent", 15, False),
        ("deci_cent", 9990, True),
        ("deci_cent", 10_000, False),
        ("tapered_deci_cent", 990, True),
        ("tapered_deci_cent", 1010, False),
        ("tapered_deci_cent", 1100, True),
        ("tapered_deci_cent", 8990, False),
        ("tapered_deci_cent", 9010, True),
        ("tapered_deci_cent", 9995, False),
    ],
)
def test_edges(structure, price, ok):
    """Boundaries and off-tick prices of each structure."""
    assert is_valid_price(structure, price) is ok


def test_every_structure_stays_inside_zero_and_one_dollar():
    """No structure admits $0 or $1 (those contracts cannot trade)."""
    for structure in PRICE_LEVEL_STRUCTURES:
        for start, end, tick in price_ranges(structure):
            assert 0 < start <= end < 10_000 and tick > 0


def test_whole_contract_counts():
    """Without fractional trading only whole contracts (multiples of 100) are valid."""
    assert is_valid_count(100, False)
    assert is_valid_count(1_000_000, False)
    assert not is_valid_count(150, False)
    assert not is_valid_count(1, False)


def test_fractional_counts():
    """With fractional trading any positive hundredth is valid."""
    assert is_valid_count(1, True)
    assert is_valid_count(150, True)


@pytest.mark.parametrize("fractional", [True, False])
def test_non_positive_counts_invalid(fractional):
    """Zero and negative counts are never valid."""
    assert not is_valid_count(0, fractional)
    assert not is_valid_count(-100, fractional)


def _order(price, count, max_cost=None):
    return NewOrder("o1", 1, Side.BID, price, count, max_cost=max_cost)


def test_validate_price_per_structure():
    """validate applies the market's structure."""
    assert validate(_order(4510, 100)) is RejectCode.INVALID_PRICE
    assert validate(_order(4510, 100), structure="deci_cent") is None
    assert validate(_order(4510, 100), structure="tapered_deci_cent") is RejectCode.INVALID_PRICE
    assert validate(_order(510, 100), structure="tapered_deci_cent") is None


def test_validate_count_fractional_flag():
    """Fractional counts only where the market allows them."""
    assert validate(_order(4500, 150)) is RejectCode.INVALID_COUNT
    assert validate(_order(4500, 150), fractional=True) is None
    assert validate(_order(4500, 0), fractional=True) is RejectCode.INVALID_COUNT


def test_validate_max_cost_positive():
    """A max_cost that is zero or negative is an invalid parameter."""
    assert validate(_order(4500, 100, max_cost=0)) is RejectCode.INVALID_PARAMETER
    assert validate(_order(4500, 100, max_cost=-1)) is RejectCode.INVALID_PARAMETER
    assert validate(_order(4500, 100, max_cost=1)) is None
