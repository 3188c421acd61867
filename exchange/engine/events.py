"""What an engine command produces: a result with fills and events, in the order they happened.

Events are immutable NamedTuples rather than frozen dataclasses: the engine builds them with one C
call (`tuple.__new__`), where a frozen dataclass sets each field through Python, which made building
a command's result and events cost more than the matching itself.
"""

from typing import NamedTuple

from exchange.engine.orders import CancelReason, OrderStatus, Side
from exchange.engine.rejects import RejectCode


class Fill(NamedTuple):
    """One execution at the resting order's price. `taker_side` is the incoming order's book side."""

    maker_order_id: str
    maker_owner: int
    taker_order_id: str
    taker_owner: int
    taker_side: Side
    price: int
    count: int


class OrderCanceled(NamedTuple):
    order_id: str
    owner: int
    count: int
    reason: CancelReason


class OrderRested(NamedTuple):
    order_id: str
    side: Side
    price: int
    count: int


class LevelChanged(NamedTuple):
    """Net change of one price level's resting size over the whole command."""

    side: Side
    price: int
    delta: int


class Result(NamedTuple):
    """Outcome for the order the command was about.

    `status` is that order's status afterwards; `filled` is what it filled in this command, `resting`
    what it has on the book afterwards; `canceled` lists every order the command removed (including
    makers removed by self-trade prevention); `levels` is sorted by (side, price).
    """

    order_id: str
    status: OrderStatus
    reject: RejectCode | None = None
    filled: int = 0
    resting: int = 0
    fills: tuple[Fill, ...] = ()
    canceled: tuple[OrderCanceled, ...] = ()
    rested: OrderRested | None = None
    levels: tuple[LevelChanged, ...] = ()

    @property
    def ok(self) -> bool:
        return self.reject is None


def rejected(order_id: str, reject: RejectCode) -> Result:
    return Result(order_id, OrderStatus.REJECTED, reject)
