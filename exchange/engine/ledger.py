"""The ledger: what commands do to money, decided beside the matching engine.

Fully cash-collateralized, as Kalshi: a resting order reserves its notional at its limit plus its
worst-case fees; a fill pays from the balance; buying the side opposite to a position closes pairs
that return $1 each; settlement pays $1 per winning contract.

The ledger reads and writes fields by name on the objects it is given (the protocols below), so the
services hand it their rows and persist what it decided, and tests hand it plain dataclasses.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from exchange.engine.fees import FeeSchedule, fee_basis
from exchange.engine.orders import OrderStatus, Side
from exchange.engine.units import CENT, notional


class OrderMoney(Protocol):
    """The fields of an order that money depends on or records."""

    user_id: int
    book_side: str
    price: int
    status: str
    remaining_count: int
    reserved: int
    fill_count: int
    taker_fill_count: int
    maker_fill_count: int
    taker_fill_cost: int
    maker_fill_cost: int
    taker_fees: int
    maker_fees: int
    taker_fee_basis: int
    maker_fee_basis: int
    fee_accumulator: int  # Kalshi's per-order rounding accumulator, $0.0001


class PositionMoney(Protocol):
    """One user's position in one market: signed count (+YES/-NO) and what it cost."""

    position: int
    cost: int
    realized_pnl: int
    fees_paid: int
    total_traded: int
    volume: int


class AccountMoney(Protocol):
    """One user's cash; `balance` includes `reserved`."""

    balance: int
    reserved: int


@dataclass(frozen=True, slots=True)
class FillMoney:
    """What one side of an execution moved: notional paid, fee charged, and $1 per closed pair."""

    pay: int
    fee: int
    refund: int

    @property
    def cash(self) -> int:
        return self.refund - self.pay - self.fee


class Shortfall(NamedTuple):
    """A user who must stay funded would end `amount` below zero available."""

    user_id: int
    amount: int


def required_reserve(order: OrderMoney, fees: FeeSchedule) -> int:
    """Collateral a resting order must hold: its notional at its limit plus its worst-case fees."""
    if order.status != OrderStatus.RESTING or order.remaining_count <= 0:
        return 0
    is_bid = order.book_side == Side.BID
    return notional(is_bid, order.price, order.remaining_count) + fees.worst_case(
        order.price, order.remaining_count, side_is_bid=is_bid
    )


def net_fill(position: PositionMoney, *, is_bid: bool, price: int, count: int, pay: int) -> int:
    """Net a fill into a signed position; returns the $1-per-pair refund for the pairs it closed."""
    old = position.position
    closing = min(count, max(0, -old)) if is_bid else min(count, max(0, old))
    refund = closing * CENT  # $1 per contract; counts are hundredths
    cost_share = 0
    pay_close = 0
    if closing:
        cost_share = position.cost if closing == abs(old) else position.cost * closing // abs(old)
        pay_close = notional(is_bid, price, closing)
        position.realized_pnl += refund - pay_close - cost_share
    position.cost += (pay - pay_close) - cost_share
    position.position = old + (count if is_bid else -count)
    position.total_traded += pay
    position.volume += count
    return refund


def settlement_payout(position: int, result: str) -> int:
    if result == "yes":
        return max(position, 0) * CENT
    if result == "no":
        return max(-position, 0) * CENT
    return 0


def fund(account: AccountMoney, amount: int) -> bool:
    """Deposit `amount`, or withdraw it if negative; a withdrawal beyond what is available (balance
    less reservations) is refused and changes nothing."""
    if amount < 0 and account.balance - account.reserved < -amount:
        return False
    account.balance += amount
    return True


def open_interest_change(before: int, after: int) -> int:
    """Open interest counts YES contracts outstanding, i.e. the sum of positive positions."""
    return max(after, 0) - max(before, 0)


class Ledger:
    """The money of one command in one market.

    `fill`, `reserve` and `settle` change orders and positions in place and collect each user's
    balance and reservation changes; `post` applies those to the accounts, or applies nothing and
    names the shortfall if a user who must stay funded would end below zero available.
    """

    def __init__(self, fees: FeeSchedule) -> None:
        self.fees = fees
        self.cash: dict[int, int] = {}
        self.reserved: dict[int, int] = {}
        self.funded: set[int] = set()
        self.open_interest = 0  # change over the command

    def credit(self, user_id: int, amount: int) -> None:
        self.cash[user_id] = self.cash.get(user_id, 0) + amount

    def require_funds(self, user_id: int) -> None:
        """Refuse the command at `post` if this user's available balance would end below zero."""
        self.funded.add(user_id)

    def fill(self, order: OrderMoney, position: PositionMoney, *, price: int, count: int,
             taker: bool) -> FillMoney:
        """One side of an execution: the fill's fee as Kalshi rounds it (trade fee to $0.0001, a rounding
        fee to whole cents, a rebate from the order's accumulator), the order's fill totals, the position
        netted, and the user's cash."""
        is_bid = order.book_side == Side.BID
        pay = notional(is_bid, price, count)
        basis = fee_basis(price, count)
        before = position.position
        refund = net_fill(position, is_bid=is_bid, price=price, count=count, pay=pay)
        charged = self.fees.fill_fee(basis, taker=taker, revenue=refund - pay, accumulator=order.fee_accumulator)
        fee, order.fee_accumulator = charged.net, charged.accumulator
        if taker:
            order.taker_fee_basis += basis
            order.taker_fees += fee
            order.taker_fill_cost += pay
            order.taker_fill_count += count
        else:
            order.maker_fee_basis += basis
            order.maker_fees += fee
            order.maker_fill_cost += pay
            order.maker_fill_count += count
        order.fill_count += count
        position.fees_paid += fee
        self.open_interest += open_interest_change(before, position.position)
        self.credit(order.user_id, refund - pay - fee)
        return FillMoney(pay, fee, refund)

    def reserve(self, order: OrderMoney) -> None:
        """Bring an order's reservation to what it needs now (nothing once it no longer rests)."""
        needed = required_reserve(order, self.fees)
        change = needed - order.reserved
        if change:
            self.reserved[order.user_id] = self.reserved.get(order.user_id, 0) + change
            order.reserved = needed

    def settle(self, user_id: int, position: PositionMoney, result: str) -> int:
        """Pay out a position at settlement and close it; returns the payout."""
        payout = settlement_payout(position.position, result)
        self.credit(user_id, payout)
        self.open_interest += open_interest_change(position.position, 0)
        position.realized_pnl += payout - position.cost
        position.position = 0
        position.cost = 0
        return payout

    def users(self) -> set[int]:
        """Every user whose account this command reads or changes."""
        return set(self.cash) | set(self.reserved) | self.funded

    def post(self, accounts: Mapping[int, AccountMoney]) -> Shortfall | None:
        """Apply the balance and reservation changes, unless a funded user would go short."""
        for user_id in sorted(self.funded):
            account = accounts[user_id]
            available = (account.balance + self.cash.get(user_id, 0)
                         - account.reserved - self.reserved.get(user_id, 0))
            if available < 0:
                return Shortfall(user_id, -available)
        for user_id, amount in self.cash.items():
            accounts[user_id].balance += amount
        for user_id, amount in self.reserved.items():
            accounts[user_id].reserved += amount
        return None
