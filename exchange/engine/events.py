"""What an engine command produces: a result with fills and events, in the order they happened."""

from dataclasses import dataclass, field

from exchange.engine.orders import CancelReason, OrderStatus, Side
from exchange.engine.rejects import RejectCode


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution at the resting order's price. `taker_side` is the incoming order's book side."""

    maker_order_id: str
    maker_owner: int
    taker_order_id: str
    taker_owner: int
    taker_side: Side
    price: int
    count: int


@dataclass(frozen=True, slots=True)
class OrderCanceled:
    order_id: str
    owner: int
    count: int
    reason: CancelReason


@dataclass(frozen=True, slots=True)
class OrderRested:
    order_id: str
    side: Side
    price: int
    count: int


@dataclass(frozen=True, slots=True)
class LevelChanged:
    """Net change of one price level's resting size over the whole command."""

    side: Side
    price: int
    delta: int


@dataclass(frozen=True, slots=True)
class Result:
    """Outcome for the order the command was about.

    `status` is that order's status afterwards; `filled` is what it filled in this command, `resting`
    what it has on the book afterwards; `canceled` lists every order the command removed (including
    makers removed by self-trade prevention).
    """

    order_id: str
    status: OrderStatus
    reject: RejectCode | None = None
    filled: int = 0
    resting: int = 0
    fills: tuple[Fill, ...] = ()
    canceled: tuple[OrderCanceled, ...] = ()
    rested: OrderRested | None = None
    levels: tuple[LevelChanged, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.reject is None
