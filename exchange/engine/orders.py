"""Order vocabulary: sides, time in force, self-trade prevention, and the incoming-order command."""

from dataclasses import dataclass
from enum import StrEnum


class Side(StrEnum):
    """A side of the YES-space book. Buy YES / sell NO are bids; buy NO / sell YES are asks."""

    BID = "bid"
    ASK = "ask"

    @property
    def opposite(self) -> "Side":
        return _OPPOSITE[self]


# A dict rather than `Side.BID` comparisons: reading a member through its enum class is slow (Python 3.11).
_OPPOSITE = {Side.BID: Side.ASK, Side.ASK: Side.BID}


class TimeInForce(StrEnum):
    GTC = "good_till_canceled"
    IOC = "immediate_or_cancel"
    FOK = "fill_or_kill"


class SelfTradePrevention(StrEnum):
    TAKER_AT_CROSS = "taker_at_cross"  # cancel the incoming order's remainder
    MAKER = "maker"  # cancel the resting order and keep matching


class OrderStatus(StrEnum):
    RESTING = "resting"
    CANCELED = "canceled"
    EXECUTED = "executed"
    REJECTED = "rejected"


class CancelReason(StrEnum):
    USER = "user"
    IOC_REMAINDER = "ioc_remainder"
    SELF_TRADE = "self_trade"
    EXPIRED = "expired"
    MARKET_HALTED = "market_halted"
    TRADING_PAUSED = "trading_paused"
    MARKET_CLOSED = "market_closed"
    SETTLED = "settled"
    ORDER_GROUP = "order_group"


@dataclass(frozen=True, slots=True)
class NewOrder:
    """An incoming order in YES space. `position` is the owner's signed position (+YES/-NO),
    used only by reduce-only; `max_cost` caps the total notional and implies fill-or-kill."""

    order_id: str
    owner: int
    side: Side
    price: int
    count: int
    priority: int = 0
    tif: TimeInForce = TimeInForce.GTC
    post_only: bool = False
    reduce_only: bool = False
    position: int = 0
    stp: SelfTradePrevention = SelfTradePrevention.TAKER_AT_CROSS
    max_cost: int | None = None
