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


def fills(schedule: FeeSchedule, sizes: list[tuple[int, int]], *, taker: bool = True) -> list:
    """The FillFee of each (price, count) buy of one order, in order."""
    out, accumulator = [], 0
    for price, count in sizes:
        charged = schedule.fill_fee(fee_basis(price, count), taker=taker, revenue=-price * count // 100,
                                    accumulator=accumulator)
        out.append(charged)
        accumulator = charged.accumulator
    return out


def test_each_fill_pays_its_trade_fee_and_rounding_then_a_rebate():
    """Four 1-contract buys at 50c: each trade fee is $0.0175, rounded by $0.0025 to keep the balance in
    cents; the fourth fill brings the overpayment to a cent and gets it back, so the order pays 7c in all,
    what one 4-contract fill would cost.

    Evidence: https://docs.kalshi.com/getting_started/fee_rounding (trade fee rounded up to $0.0001, rounding
    fee to the balance precision, whole-cent rebates from the per-order accumulator).
    """
    charged = fills(QUADRATIC, [(5000, 100)] * 4)
    assert [(c.trade, c.rounding, c.rebate) for c in charged] == [(175, 25, 0)] * 3 + [(175, 25, 100)]
    assert [c.net for c in charged] == [200, 200, 200, 100]
    assert sum(c.net for c in charged) == QUADRATIC.fee(4 * fee_basis(5000, 100), taker=True) == 700


def test_trade_fee_rounds_up_to_the_centicent():
    """0.07 x 1 x 0.055 x 0.945 = $0.003638... -> $0.0037 (a subpenny price).

    Evidence: https://docs.kalshi.com/getting_started/fee_rounding, "Trade fee ... rounded up to the nearest
    $0.0001 (centicent)".
    """
    assert QUADRATIC.trade_fee(fee_basis(550, 100), taker=True) == 37


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


@given(st.lists(st.tuples(st.integers(min_value=1, max_value=99), st.integers(min_value=1, max_value=10**4)),
                min_size=1, max_size=20))
def test_fills_converge_to_the_fee_of_one_equivalent_fill(sizes):
    """However an order fills (whole cents, whole contracts), no fill's net fee is negative, the overpayment
    never reaches a cent, and the order pays its trade fees plus less than a cent: so never more than a cent
    over, nor under, the fee of one fill of its whole basis."""
    orders = [(cents * 100, contracts * 100) for cents, contracts in sizes]
    charged = fills(QUADRATIC, orders)
    total, exact = sum(c.net for c in charged), sum(c.trade for c in charged)
    assert all(c.net >= 0 and c.accumulator < 100 for c in charged)
    assert exact <= total < exact + 100
    single = QUADRATIC.fee(sum(fee_basis(price, count) for price, count in orders), taker=True)
    assert single - 100 < total < single + 100 * len(orders)


@pytest.mark.parametrize("price", [100, 2500, 5000, 7500, 9900])
def test_fees_are_whole_cents(price):
    """Every fee is a whole number of cents."""
    assert QUADRATIC.fee(fee_basis(price, 1234), taker=True) % 100 == 0
