"""What an engine command produces: a result with fills and events, in the order they happened."""

from dataclasses import MISSING, dataclass, field, fields

from exchange.engine.orders import CancelReason, OrderStatus, Side
from exchange.engine.rejects import RejectCode


def _slot_init(cls: type) -> type:
    """Replace a frozen slots dataclass's __init__ with one that sets each slot through its descriptor.

    The generated one calls object.__setattr__ per field, which made building a command's result and
    events cost more than the matching itself. Same parameters and defaults; instances stay frozen.
    """
    namespace, params, body = {}, [], []
    for f in fields(cls):
        if f.default_factory is not MISSING or not f.init or f.kw_only:
            raise TypeError(f"{cls.__name__}.{f.name}: only plain fields with plain defaults")
        namespace[f"_set_{f.name}"] = getattr(cls, f.name).__set__
        if f.default is MISSING:
            params.append(f.name)
        else:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        body.append(f"    _set_{f.name}(self, {f.name})")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body), namespace)
    init = namespace["__init__"]
    init.__module__, init.__qualname__ = cls.__module__, f"{cls.__qualname__}.__init__"
    init.__annotations__ = cls.__init__.__annotations__
    cls.__init__ = init
    return cls


@_slot_init
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


@_slot_init
@dataclass(frozen=True, slots=True)
class OrderCanceled:
    order_id: str
    owner: int
    count: int
    reason: CancelReason


@_slot_init
@dataclass(frozen=True, slots=True)
class OrderRested:
    order_id: str
    side: Side
    price: int
    count: int


@_slot_init
@dataclass(frozen=True, slots=True)
class LevelChanged:
    """Net change of one price level's resting size over the whole command."""

    side: Side
    price: int
    delta: int


@_slot_init
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
