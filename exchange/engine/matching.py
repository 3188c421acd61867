"""Matching commands on a `Book`: submit, cancel, decrease, amend.

Each returns a `Result` and leaves the book uncrossed. Executions happen at the resting order's
price, best price first, oldest first within a price.
"""

from exchange.engine.book import Book, RestingOrder
from exchange.engine.events import Fill, LevelChanged, OrderCanceled, OrderRested, Result
from exchange.engine.orders import CancelReason, NewOrder, OrderStatus, SelfTradePrevention, Side, TimeInForce
from exchange.engine.pricing import is_valid_count, is_valid_price
from exchange.engine.rejects import RejectCode
from exchange.engine.units import notional

# Hot paths compare against these names: reading a member through its enum class is slow (Python 3.11).
_BID = Side.BID
_GTC, _FOK = TimeInForce.GTC, TimeInForce.FOK

# Net change of each (side, price) level over one command.
Deltas = dict[tuple[Side, int], int]


def _level_changes(deltas: Deltas) -> tuple[LevelChanged, ...]:
    """One event per changed level, by (side, price); levels back where they started are left out."""
    if len(deltas) == 1:  # most commands touch one level: nothing to sort
        [((side, price), delta)] = deltas.items()
        return (LevelChanged(side, price, delta),) if delta else ()
    return tuple(LevelChanged(side, price, delta) for (side, price), delta in sorted(deltas.items()) if delta)


def crosses(side: Side, limit: int, resting_price: int) -> bool:
    return resting_price <= limit if side is _BID else resting_price >= limit


def validate(order: NewOrder, *, structure: str = "linear_cent", fractional: bool = False) -> RejectCode | None:
    if not is_valid_price(structure, order.price):
        return RejectCode.INVALID_PRICE
    if not is_valid_count(order.count, fractional):
        return RejectCode.INVALID_COUNT
    if order.max_cost is not None and order.max_cost <= 0:
        return RejectCode.INVALID_PARAMETER
    return None


def reduce_only_cap(side: Side, position: int) -> int:
    """How much an order on `side` can reduce a signed position (+YES/-NO)."""
    return max(0, -position) if side is _BID else max(0, position)


def submit(book: Book, order: NewOrder, *, structure: str = "linear_cent", fractional: bool = False) -> Result:
    reject = validate(order, structure=structure, fractional=fractional)
    if reject is None and order.order_id in book:
        reject = RejectCode.INVALID_PARAMETER
    count = order.count
    if reject is None and order.reduce_only:
        count = min(count, reduce_only_cap(order.side, order.position))
        if count <= 0:
            reject = RejectCode.REDUCE_ONLY_NO_POSITION
    if reject is None:
        reject = _precheck(book, order, count)
    if reject is not None:
        return Result(order.order_id, OrderStatus.REJECTED, reject=reject)
    return _match(book, order, count, {})


def _precheck(book: Book, order: NewOrder, count: int) -> RejectCode | None:
    """Post-only, fill-or-kill and max-cost are decided before anything changes."""
    fill_or_kill = order.tif is _FOK or order.max_cost is not None
    if not (fill_or_kill or order.post_only):  # a plain limit order: nothing to decide up front
        return None
    opposite = order.side.opposite
    if order.post_only:
        best = book.best_price(opposite)
        if best is not None and crosses(order.side, order.price, best):
            return RejectCode.POST_ONLY_CROSS
        # A post-only order never takes, so it can never fill a fill-or-kill (or max-cost) order.
        return _fok_reject(order) if fill_or_kill else None
    fillable, cost = 0, 0
    for level in book.levels(opposite):
        if fillable >= count or not crosses(order.side, order.price, level.price):
            break
        for resting in level.orders.values():
            if resting.owner == order.owner:
                if order.stp is SelfTradePrevention.MAKER:
                    continue
                return _fok_reject(order)
            take = min(count - fillable, resting.remaining)
            fillable += take
            cost += notional(order.side is _BID, resting.price, take)
            if fillable >= count:
                break
    if fillable < count:
        return _fok_reject(order)
    if order.max_cost is not None and cost > order.max_cost:
        return RejectCode.MAX_COST_EXCEEDED
    return None


def _fok_reject(order: NewOrder) -> RejectCode:
    return RejectCode.FILL_OR_KILL_UNFILLED if order.max_cost is None else RejectCode.MAX_COST_EXCEEDED


def _match(book: Book, order: NewOrder, count: int, deltas: Deltas) -> Result:
    side, limit = order.side, order.price
    opposite = side.opposite
    remaining = count
    fills: list[Fill] = []
    canceled: list[OrderCanceled] = []
    stopped_by_self_trade = False
    while remaining > 0:
        level = book.best(opposite)
        if level is None or not crosses(side, limit, level.price):
            break
        resting = level.first()
        key = (opposite, level.price)
        if resting.owner == order.owner:
            if order.stp is SelfTradePrevention.MAKER:
                book.remove(resting.order_id)
                deltas[key] = deltas.get(key, 0) - resting.remaining
                reason = CancelReason.SELF_TRADE
                canceled.append(OrderCanceled(resting.order_id, resting.owner, resting.remaining, reason))
                continue
            stopped_by_self_trade = True
            break
        take = min(remaining, resting.remaining)
        book.reduce(resting.order_id, take)
        deltas[key] = deltas.get(key, 0) - take
        fills.append(Fill(resting.order_id, resting.owner, order.order_id, order.owner, side, level.price, take))
        remaining -= take

    filled = count - remaining
    rested = None
    if remaining > 0 and not stopped_by_self_trade and order.tif is _GTC:
        book.add(RestingOrder(order.order_id, order.owner, side, limit, remaining, order.priority))
        key = (side, limit)
        deltas[key] = deltas.get(key, 0) + remaining
        rested = OrderRested(order.order_id, side, limit, remaining)
        status = OrderStatus.RESTING
    elif remaining > 0:
        reason = CancelReason.SELF_TRADE if stopped_by_self_trade else CancelReason.IOC_REMAINDER
        canceled.append(OrderCanceled(order.order_id, order.owner, remaining, reason))
        status = OrderStatus.CANCELED
    else:
        status = OrderStatus.EXECUTED
    return Result(
        order.order_id,
        status,
        filled=filled,
        resting=remaining if rested else 0,
        fills=tuple(fills),
        canceled=tuple(canceled),
        rested=rested,
        levels=_level_changes(deltas),
    )


def cancel(book: Book, order_id: str, *, reason: CancelReason = CancelReason.USER) -> Result:
    resting = book.get(order_id)
    if resting is None:
        return Result(order_id, OrderStatus.REJECTED, reject=RejectCode.ORDER_NOT_FOUND)
    book.remove(order_id)
    return Result(
        order_id,
        OrderStatus.CANCELED,
        canceled=(OrderCanceled(order_id, resting.owner, resting.remaining, reason),),
        levels=(LevelChanged(resting.side, resting.price, -resting.remaining),),
    )


def decrease(book: Book, order_id: str, *, by: int) -> Result:
    """Take `by` off a resting order, keeping its place; taking all of it cancels it."""
    resting = book.get(order_id)
    if resting is None:
        return Result(order_id, OrderStatus.REJECTED, reject=RejectCode.ORDER_NOT_FOUND)
    if by <= 0:
        return Result(order_id, OrderStatus.REJECTED, reject=RejectCode.INVALID_COUNT)
    if by >= resting.remaining:
        return cancel(book, order_id)
    book.reduce(order_id, by)
    return Result(
        order_id,
        OrderStatus.RESTING,
        resting=resting.remaining,
        levels=(LevelChanged(resting.side, resting.price, -by),),
    )


def amend(book: Book, new: NewOrder, *, structure: str = "linear_cent", fractional: bool = False) -> Result:
    """Change a resting order's price and/or size. `new.count` is the new resting size.

    Same price and a smaller size keeps priority; a price change or a larger size re-enters the
    order with `new.priority`, and it may execute against the book like any incoming order.
    """
    old = book.get(new.order_id)
    if old is None:
        return Result(new.order_id, OrderStatus.REJECTED, reject=RejectCode.ORDER_NOT_FOUND)
    if old.side is not new.side or old.owner != new.owner:
        return Result(new.order_id, OrderStatus.REJECTED, reject=RejectCode.INVALID_PARAMETER)
    reject = validate(new, structure=structure, fractional=fractional)
    if reject is not None:
        return Result(new.order_id, OrderStatus.REJECTED, reject=reject)
    if new.price == old.price and new.count <= old.remaining:
        if new.count == old.remaining:
            return Result(new.order_id, OrderStatus.RESTING, resting=old.remaining)
        return decrease(book, new.order_id, by=old.remaining - new.count)
    if new.post_only:
        best = book.best_price(new.side.opposite)
        if best is not None and crosses(new.side, new.price, best):
            return Result(new.order_id, OrderStatus.REJECTED, reject=RejectCode.POST_ONLY_CROSS)
    book.remove(old.order_id)
    plain = NewOrder(
        new.order_id, new.owner, new.side, new.price, new.count,
        priority=new.priority, post_only=new.post_only, stp=new.stp,
    )
    return _match(book, plain, new.count, {(old.side, old.price): -old.remaining})
