"""Kalshi fees: ceil(rate x C x P x (1-P)) to the cent, rounded once per order basis."""

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.engine.fees import MAKER_PPM, MULTIPLIER_ONE, TAKER_PPM, FeeSchedule, fee_basis

QUADRATIC = FeeSchedule.for_series("quadratic")
WITH_MAKER = FeeSchedule.for_series("quadratic_with_maker_fees")
FLAT = FeeSchedule.for_series("flat")


def test_taker_fee_100_contracts_at_50c():
    """ceil(0.07 x 100 x 0.5 x 0.5) = $1.75."""
    assert QUADRATIC.fee(fee_basis(5000, 10_000), taker=True) == 17_500


def test_taker_fee_one_contract_at_50c():
    """0.07 x 0.25 = 1.75c rounds up to 2c."""
    assert QUADRATIC.fee(fee_basis(5000, 100), taker=True) == 200


def test_taker_fee_one_contract_at_1c():
    """0.07 x 0.01 x 0.99 = 0.0693c still costs a whole cent."""
    assert QUADRATIC.fee(fee_basis(100, 100), taker=True) == 100


def test_taker_fee_is_symmetric_in_price():
    """P x (1-P): 30c and 70c cost the same (100 x 0.07 x 0.21 = $1.47)."""
    assert QUADRATIC.fee(fee_basis(3000, 10_000), taker=True) == 14_700
    assert QUADRATIC.fee(fee_basis(7000, 10_000), taker=True) == 14_700


def test_maker_fee_only_where_it_applies():
    """Plain quadratic has no maker fee; quadratic_with_maker_fees charges 0.0175 (43.75c -> 44c)."""
    basis = fee_basis(5000, 10_000)
    assert QUADRATIC.fee(basis, taker=False) == 0
    assert WITH_MAKER.fee(basis, taker=False) == 4_400
    assert WITH_MAKER.fee(basis, taker=True) == 17_500
    assert (WITH_MAKER.taker_ppm, WITH_MAKER.maker_ppm) == (TAKER_PPM, MAKER_PPM)


def test_flat_series():
    """The flat table: 0.035 x 100 x 0.25 = 87.5c -> 88c, no maker fee."""
    basis = fee_basis(5000, 10_000)
    assert FLAT.fee(basis, taker=True) == 8_800
    assert FLAT.fee(basis, taker=False) == 0


def test_multiplier_scales_before_rounding():
    """A 0.5 multiplier halves $1.75 to 87.5c, which rounds up to 88c."""
    half = FeeSchedule.for_series("quadratic", multiplier=MULTIPLIER_ONE // 2)
    assert half.fee(fee_basis(5000, 10_000), taker=True) == 8_800


def test_zero_basis_costs_nothing():
    """No executions, no fee."""
    assert QUADRATIC.fee(0, taker=True) == 0


def test_charges_round_once_per_order():
    """Four 1-contract fills at 50c: 1.75c each accrues to 2, 4 (3.5), 6 (5.25), 7 cents."""
    one = fee_basis(5000, 100)
    charges = [QUADRATIC.charge(one * i, one, taker=True) for i in range(4)]
    assert charges == [200, 200, 200, 100]
    assert sum(charges) == QUADRATIC.fee(4 * one, taker=True) == 700


def test_fractional_count_fee():
    """0.5 contract at 50c: 0.07 x 0.5 x 0.25 = 0.875c -> 1c."""
    assert QUADRATIC.fee(fee_basis(5000, 50), taker=True) == 100


def test_worst_case_covers_any_execution_price():
    """A bid above 50c may execute at 50c; an ask below 50c may too; otherwise the limit is worst."""
    at_50 = QUADRATIC.fee(fee_basis(5000, 10_000), taker=True)
    assert QUADRATIC.worst_case(7000, 10_000, side_is_bid=True) == at_50
    assert QUADRATIC.worst_case(3000, 10_000, side_is_bid=False) == at_50
    assert QUADRATIC.worst_case(3000, 10_000, side_is_bid=True) == 14_700
    assert WITH_MAKER.worst_case(5000, 10_000, side_is_bid=True) == 17_500 + 100  # one cent of rounding


@given(
    st.sampled_from(["quadratic", "quadratic_with_maker_fees", "flat"]),
    st.integers(min_value=1, max_value=9999),
    st.integers(min_value=1, max_value=10**8),
    st.booleans(),
)
def test_fee_matches_exact_formula(fee_type, price, count, taker):
    """The integer fee equals ceil(rate x C x P x (1-P)) in cents computed with exact fractions."""
    schedule = FeeSchedule.for_series(fee_type)
    rate = Fraction(schedule.taker_ppm if taker else schedule.maker_ppm, 10**6)
    dollars = rate * Fraction(count, 100) * Fraction(price, 10**4) * Fraction(10**4 - price, 10**4)
    assert schedule.fee(fee_basis(price, count), taker=taker) == math.ceil(dollars * 100) * 100


@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=9999), st.integers(min_value=1, max_value=10**6)),
        min_size=1,
        max_size=20,
    )
)
def test_charges_sum_to_fee_of_total_basis(fills):
    """However an order fills, its charges sum to the rounded fee of its total basis, and none is negative."""
    basis, total = 0, 0
    for price, count in fills:
        charge = QUADRATIC.charge(basis, fee_basis(price, count), taker=True)
        assert charge >= 0
        basis += fee_basis(price, count)
        total += charge
    assert total == QUADRATIC.fee(basis, taker=True)


@pytest.mark.parametrize("price", [100, 2500, 5000, 7500, 9900])
def test_fees_are_whole_cents(price):
    """Every fee is a whole number of cents."""
    assert QUADRATIC.fee(fee_basis(price, 1234), taker=True) % 100 == 0
