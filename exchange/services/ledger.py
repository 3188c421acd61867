"""Money rules: reservations, fill cash flows with position netting, settlement payouts.

Pure functions over model instances; the caller saves. Money is cash-collateralized as on Kalshi:
an order reserves its worst-case cost plus fees, a fill pays from the balance, and buying the side
opposite to a position closes pairs that return $1 each.
"""

from exchange.engine.fees import FeeSchedule
from exchange.engine.units import CENT, notional
from exchange.models import Order, Position


def required_reserve(order: Order, fees: FeeSchedule) -> int:
    """Collateral a resting order must hold: its notional at its limit plus its worst-case fees."""
    if order.status != Order.Status.RESTING or order.remaining_count <= 0:
        return 0
    is_bid = order.book_side == "bid"
    return notional(is_bid, order.price, order.remaining_count) + fees.worst_case(
        order.price, order.remaining_count, side_is_bid=is_bid
    )


def apply_fill_to_position(position: Position, *, is_bid: bool, price: int, count: int, pay: int) -> int:
    """Net a fill into a signed position; returns the $1-per-pair refund for closed pairs."""
    old = position.position
    closing = min(count, max(0, -old)) if is_bid else min(count, max(0, old))
    refund = closing * CENT  # $1 per contract; counts are hundredths
    cost_share = 0
    if closing:
        cost_share = position.cost if closing == abs(old) else position.cost * closing // abs(old)
        pay_close = notional(is_bid, price, closing)
        position.realized_pnl += refund - pay_close - cost_share
    else:
        pay_close = 0
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


def open_interest_change(before: int, after: int) -> int:
    """Open interest counts YES contracts outstanding, i.e. the sum of positive positions."""
    return max(after, 0) - max(before, 0)
