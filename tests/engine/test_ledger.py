"""The ledger: reservations, fees, position netting, balances and settlement, without a database."""

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from exchange.engine.fees import FeeSchedule
from exchange.engine.ledger import Ledger, Shortfall, fund, required_reserve
from exchange.engine.units import CENT

QUADRATIC = FeeSchedule.for_series("quadratic")
WITH_MAKER = FeeSchedule.for_series("quadratic_with_maker_fees")


@dataclass
class OrderRow:
    user_id: int
    book_side: str
    price: int
    remaining_count: int
    status: str = "resting"
    reserved: int = 0
    fill_count: int = 0
    taker_fill_count: int = 0
    maker_fill_count: int = 0
    taker_fill_cost: int = 0
    maker_fill_cost: int = 0
    taker_fees: int = 0
    maker_fees: int = 0
    taker_fee_basis: int = 0
    maker_fee_basis: int = 0
    fee_accumulator: int = 0


@dataclass
class PositionRow:
    position: int = 0
    cost: int = 0
    realized_pnl: int = 0
    fees_paid: int = 0
    total_traded: int = 0
    volume: int = 0


@dataclass
class AccountRow:
    balance: int
    reserved: int = 0


def test_resting_bid_reserves_notional_plus_worst_fee():
    """Buy 10 YES @ 40c holds $4.00 plus the taker fee at 40c, ceil(0.07 x 10 x 0.4 x 0.6) = 17c."""
    assert required_reserve(OrderRow(1, "bid", 4000, 1000), QUADRATIC) == 40_000 + 1_700


def test_resting_ask_reserves_the_no_price():
    """Sell 10 YES @ 60c (a NO buyer at 40c) holds $4.00 plus 17c."""
    assert required_reserve(OrderRow(1, "ask", 6000, 1000), QUADRATIC) == 40_000 + 1_700


def test_reservation_follows_the_order_and_is_released():
    """reserve() moves the user's reservation to what the order needs, and back to zero once it stops resting."""
    ledger, order = Ledger(QUADRATIC), OrderRow(7, "bid", 4000, 1000)
    ledger.reserve(order)
    assert order.reserved == 41_700 and ledger.reserved == {7: 41_700}
    order.status, order.remaining_count = "canceled", 0
    ledger.reserve(order)
    assert order.reserved == 0 and ledger.reserved == {7: 0}


def test_taker_pays_notional_and_fee():
    """A taker buying 1 YES @ 40c pays 40c plus ceil(1.68c) = 2c."""
    ledger, order, position = Ledger(QUADRATIC), OrderRow(1, "bid", 4000, 100), PositionRow()
    money = ledger.fill(order, position, price=4000, count=100, taker=True)
    assert (money.pay, money.fee, money.refund, money.cash) == (4_000, 200, 0, -4_200)
    assert ledger.cash == {1: -4_200}
    assert (order.taker_fill_count, order.taker_fill_cost, order.taker_fees, order.fill_count) == (100, 4_000, 200, 100)
    assert (position.position, position.cost, position.fees_paid, position.volume) == (100, 4_000, 200, 100)


def test_fee_rounds_up_once_per_order_not_per_fill():
    """Four 1-contract fills at 10c accrue 4 x 0.63c = 2.52c, charged as 3c, not 4 x 1c."""
    ledger, order, position = Ledger(QUADRATIC), OrderRow(1, "bid", 1000, 400), PositionRow()
    fees = [ledger.fill(order, position, price=1000, count=100, taker=True).fee for _ in range(4)]
    assert sum(fees) == 300 and order.taker_fees == 300


def test_maker_pays_maker_fee_only_where_the_series_charges_one():
    """quadratic charges makers nothing; quadratic_with_maker_fees charges ceil(0.0175 x 0.25) = 1c."""
    plain = Ledger(QUADRATIC).fill(OrderRow(1, "ask", 5000, 100), PositionRow(), price=5000, count=100, taker=False)
    charged = Ledger(WITH_MAKER).fill(OrderRow(1, "ask", 5000, 100), PositionRow(), price=5000, count=100,
                                      taker=False)
    assert plain.fee == 0 and charged.fee == 100


def test_selling_a_yes_position_closes_pairs_for_a_dollar_each():
    """+10 YES bought for $4.00, sold at 55c (paying the 45c NO price): $10 back, $1.50 realized."""
    ledger, position = Ledger(QUADRATIC), PositionRow(position=1000, cost=40_000)
    money = ledger.fill(OrderRow(1, "ask", 5500, 1000), position, price=5500, count=1000, taker=False)
    assert (money.pay, money.refund) == (45_000, 100_000)
    assert (position.position, position.cost, position.realized_pnl) == (0, 0, 15_000)
    assert ledger.open_interest == -1000


def test_partial_close_takes_cost_pro_rata():
    """Closing 4 of 10 YES (cost $4.00) at a 45c NO price releases $1.60 of cost and realizes 60c."""
    position = PositionRow(position=1000, cost=40_000)
    Ledger(QUADRATIC).fill(OrderRow(1, "ask", 5500, 400), position, price=5500, count=400, taker=False)
    assert (position.position, position.cost, position.realized_pnl) == (600, 24_000, 6_000)


def test_a_fill_through_zero_closes_then_opens_the_other_side():
    """+2 YES then buying 5 NO: 2 pairs close, -3 NO remains costing its share of the NO notional."""
    position = PositionRow(position=200, cost=8_000)
    Ledger(QUADRATIC).fill(OrderRow(1, "ask", 6000, 500), position, price=6000, count=500, taker=True)
    assert position.position == -300 and position.cost == 12_000  # 3 x 40c NO
    assert position.realized_pnl == 2 * 10_000 - 2 * 4_000 - 8_000


def test_post_applies_cash_and_reservations():
    """post() adds each user's cash and reservation changes to their accounts."""
    ledger = Ledger(QUADRATIC)
    ledger.credit(1, -4_200)
    ledger.reserve(OrderRow(1, "bid", 4000, 1000))
    accounts = {1: AccountRow(100_000)}
    assert ledger.post(accounts) is None
    assert accounts[1] == AccountRow(95_800, 41_700)


def test_post_refuses_a_short_funded_user_and_changes_nothing():
    """A user who must stay funded and would end below zero available gets a Shortfall; no account changes."""
    ledger = Ledger(QUADRATIC)
    ledger.require_funds(1)
    ledger.credit(2, 5_000)
    ledger.reserve(OrderRow(1, "bid", 4000, 1000))
    accounts = {1: AccountRow(41_000), 2: AccountRow(0)}
    assert ledger.post(accounts) == Shortfall(1, 700)
    assert accounts == {1: AccountRow(41_000), 2: AccountRow(0)}


def test_withdrawal_only_from_what_is_available():
    """Reserved money cannot be withdrawn; a refused withdrawal changes nothing; deposits always land."""
    account = AccountRow(10_000, reserved=4_000)
    assert not fund(account, -6_001) and account == AccountRow(10_000, 4_000)
    assert fund(account, -6_000) and account == AccountRow(4_000, 4_000)
    assert fund(account, 2_500) and account == AccountRow(6_500, 4_000)


def test_settlement_pays_winners_and_closes_positions():
    """YES wins: +10 YES pays $10; -5 NO pays nothing; both close with their P&L realized."""
    ledger = Ledger(QUADRATIC)
    long, short = PositionRow(position=1000, cost=40_000), PositionRow(position=-500, cost=30_000)
    assert ledger.settle(1, long, "yes") == 100_000 and ledger.settle(2, short, "yes") == 0
    assert (long.position, long.cost, long.realized_pnl) == (0, 0, 60_000)
    assert (short.position, short.cost, short.realized_pnl) == (0, 0, -30_000)
    assert ledger.cash == {1: 100_000, 2: 0} and ledger.open_interest == -1000


EXECUTIONS = st.lists(
    st.tuples(
        st.integers(0, 3), st.integers(0, 3), st.sampled_from(["bid", "ask"]),
        st.integers(1, 99).map(lambda cents: cents * CENT), st.integers(1, 500),
    ),
    min_size=1, max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(EXECUTIONS, st.sampled_from(["yes", "no"]))
def test_money_is_conserved_through_fills_and_settlement(executions, result):
    """Cash + fees + $1 per open pair never changes, fills or settlement, to $0.0001; open interest agrees."""
    ledger = Ledger(WITH_MAKER)
    positions = {user: PositionRow() for user in range(4)}
    fees = 0
    for taker, maker, side, price, count in executions:
        if taker == maker:
            continue
        other = "ask" if side == "bid" else "bid"
        fees += ledger.fill(OrderRow(taker, side, price, count), positions[taker], price=price, count=count,
                            taker=True).fee
        fees += ledger.fill(OrderRow(maker, other, price, count), positions[maker], price=price, count=count,
                            taker=False).fee
        long = sum(p.position for p in positions.values() if p.position > 0)
        assert long == -sum(p.position for p in positions.values() if p.position < 0) == ledger.open_interest
        assert sum(ledger.cash.values()) + fees + ledger.open_interest * CENT == 0
    for user, position in positions.items():
        ledger.settle(user, position, result)
    assert ledger.open_interest == 0
    assert sum(ledger.cash.values()) + fees == 0
