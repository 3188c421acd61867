"""Matching commands on a `Book`: submit, cancel, decrease, amend.

Each returns a `Result` and leaves the book uncrossed. Executions happen at the resting order's
price, best price first, oldest first within a price.

`submit` is the engine's hot path and is written for speed: one loop over the book's own indexes,
events built with `tuple.__new__`, and enum members read from module names (reading a member
through its enum class is slow in Python 3.11).
"""

from bisect import insort

from exchange.engine.book import Book, Level, RestingOrder
from exchange.engine.events import Fill, LevelChanged, OrderCanceled, OrderRested, Result, rejected
from exchange.engine.orders import CancelReason, NewOrder, OrderStatus, SelfTradePrevention, Side, TimeInForce
from exchange.engine.pricing import VALID_PRICES, is_valid_count
from exchange.engine.rejects import RejectCode
from exchange.engine.units import ONE_CONTRACT, notional

_new = tuple.__new__
_BID, _ASK = Side.BID, Side.ASK
_GTC, _FOK = TimeInForce.GTC, TimeInForce.FOK
_STP_MAKER = SelfTradePrevention.MAKER
_RESTING, _CANCELED, _EXECUTED = OrderStatus.RESTING, OrderStatus.CANCELED, OrderStatus.EXECUTED
_SELF_TRADE, _IOC_REMAINDER = CancelReason.SELF_TRADE, CancelReason.IOC_REMAINDER


def crosses(side: Side, limit: int, resting_price: int) -> bool:
    return resting_price <= limit if side is _BID else resting_price >= limit


def validate(order: NewOrder, *, structure: str = "linear_cent", fractional: bool = False) -> RejectCode | None:
    if order.price not in VALID_PRICES[structure]:
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
    """Place an order: reject it, or execute against the opposite side (best price first, oldest
    first) and rest the remainder (GTC) or cancel it (IOC, FOK, self-trade stop).

    One function on purpose: this is the engine's hot path, where a call per step cost more than the
    step, so the checks of `validate` are inlined and the book's indexes are used directly.
    """
    order_id, owner, side, limit, count = order.order_id, order.owner, order.side, order.price, order.count
    if limit not in VALID_PRICES[structure]:
        return rejected(order_id, RejectCode.INVALID_PRICE)
    if count <= 0 or (count % ONE_CONTRACT and not fractional):
        return rejected(order_id, RejectCode.INVALID_COUNT)
    max_cost = order.max_cost
    if (max_cost is not None and max_cost <= 0) or order_id in book.index:
        return rejected(order_id, RejectCode.INVALID_PARAMETER)
    if order.reduce_only:
        count = min(count, reduce_only_cap(side, order.position))
        if count <= 0:
            return rejected(order_id, RejectCode.REDUCE_ONLY_NO_POSITION)
    tif = order.tif
    if order.post_only or tif is _FOK or max_cost is not None:
        reject = _precheck(book, order, count)
        if reject is not None:
            return rejected(order_id, reject)

    if side is _BID:
        opposite, best_at = _ASK, 0
    else:
        opposite, best_at = _BID, -1
    prices = book.prices[opposite]
    remaining = count
    stopped_by_self_trade = False
    changes: tuple[LevelChanged, ...] = ()  # tuples grown by +=: usually one or two items
    canceled: tuple[OrderCanceled, ...] = ()
    if prices and ((prices[0] <= limit) if best_at == 0 else (prices[-1] >= limit)):
        index, levels = book.index, book.levels_at[opposite]
        stp_maker = order.stp is _STP_MAKER
        fills: list[Fill] = []
        add_fill = fills.append
        while remaining and prices:
            price = prices[best_at]
            if (price > limit) if best_at == 0 else (price < limit):
                break
            queue = levels[price]
            size = queue.size  # live orders' total: the level empties when taken reaches it
            taken = 0
            while True:
                resting = queue[0]
                if not resting.live:  # canceled earlier, left in place
                    queue.popleft()
                    queue.dead -= 1
                    continue
                if resting.owner == owner:
                    if not stp_maker:
                        stopped_by_self_trade = True
                        break
                    queue.popleft()
                    resting.live = False
                    del index[resting.order_id]
                    taken += resting.remaining
                    canceled += (_new(OrderCanceled, (resting.order_id, owner, resting.remaining, _SELF_TRADE)),)
                    if taken == size:
                        break
                    continue
                take = resting.remaining
                if take > remaining:  # the maker fills partly and keeps its place at the front
                    take = remaining
                    resting.remaining -= take
                else:
                    queue.popleft()
                    resting.live = False
                    resting.remaining = 0
                    del index[resting.order_id]
                taken += take
                add_fill(_new(Fill, (resting.order_id, resting.owner, order_id, owner, side, price, take)))
                remaining -= take
                if not remaining or taken == size:
                    break
            if taken == size:
                queue.clear()
                queue.dead = 0
                queue.size = 0
                del prices[best_at]
            else:
                queue.size = size - taken
                while not queue[0].live:  # keep the first order live
                    queue.popleft()
                    queue.dead -= 1
            if taken:
                changes += (_new(LevelChanged, (opposite, price, -taken)),)
            if stopped_by_self_trade:
                break
        fills = tuple(fills)
    else:  # most orders: nothing to take
        fills = ()

    rested = None
    if remaining and tif is _GTC and not stopped_by_self_trade:
        own_levels = book.levels_at[side]
        level = own_levels.get(limit)
        if level is None:
            level = own_levels[limit] = Level(limit)
        if not level:
            insort(book.prices[side], limit)
        resting = RestingOrder(order_id, owner, side, limit, remaining, order.priority)
        book.index[order_id] = resting
        level.append(resting)
        level.size += remaining
        rested = _new(OrderRested, (order_id, side, limit, remaining))
        changes += (_new(LevelChanged, (side, limit, remaining)),)
        if len(changes) > 1:
            changes = tuple(sorted(changes))  # by (side, price): each level appears once
        return _new(Result, (order_id, _RESTING, None, count - remaining, remaining, fills, canceled, rested, changes))
    if remaining:
        reason = _SELF_TRADE if stopped_by_self_trade else _IOC_REMAINDER
        canceled += (_new(OrderCanceled, (order_id, owner, remaining, reason)),)
        status = _CANCELED
    else:
        status = _EXECUTED
    if best_at == -1 and len(changes) > 1:
        changes = changes[::-1]  # bids were taken best (highest) first
    return _new(Result, (order_id, status, None, count - remaining, 0, fills, canceled, None, changes))


def _precheck(book: Book, order: NewOrder, count: int) -> RejectCode | None:
    """Post-only, fill-or-kill and max-cost are decided before anything changes."""
    fill_or_kill = order.tif is _FOK or order.max_cost is not None
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
        for resting in level:
            if not resting.live:
                continue
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


def cancel(book: Book, order_id: str, *, reason: CancelReason = CancelReason.USER) -> Result:
    try:
        resting = book.remove(order_id)
    except KeyError:
        return rejected(order_id, RejectCode.ORDER_NOT_FOUND)
    return _new(Result, (
        order_id, _CANCELED, None, 0, 0, (),
        (_new(OrderCanceled, (order_id, resting.owner, resting.remaining, reason)),),
        None, (_new(LevelChanged, (resting.side, resting.price, -resting.remaining)),),
    ))


def decrease(book: Book, order_id: str, *, by: int) -> Result:
    """Take `by` off a resting order, keeping its place; taking all of it cancels it."""
    resting = book.get(order_id)
    if resting is None:
        return rejected(order_id, RejectCode.ORDER_NOT_FOUND)
    if by <= 0:
        return rejected(order_id, RejectCode.INVALID_COUNT)
    if by >= resting.remaining:
        return cancel(book, order_id)
    book.reduce(order_id, by)
    return Result(
        order_id,
        _RESTING,
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
        return rejected(new.order_id, RejectCode.ORDER_NOT_FOUND)
    if old.side is not new.side or old.owner != new.owner:
        return rejected(new.order_id, RejectCode.INVALID_PARAMETER)
    reject = validate(new, structure=structure, fractional=fractional)
    if reject is not None:
        return rejected(new.order_id, reject)
    if new.price == old.price and new.count <= old.remaining:
        if new.count == old.remaining:
            return Result(new.order_id, _RESTING, resting=old.remaining)
        return decrease(book, new.order_id, by=old.remaining - new.count)
    if new.post_only:
        best = book.best_price(new.side.opposite)
        if best is not None and crosses(new.side, new.price, best):
            return rejected(new.order_id, RejectCode.POST_ONLY_CROSS)
    book.remove(old.order_id)
    result = submit(book, NewOrder(new.order_id, new.owner, new.side, new.price, new.count, priority=new.priority,
                                   stp=new.stp), structure=structure, fractional=fractional)
    return result._replace(levels=_merge_level(result.levels, LevelChanged(old.side, old.price, -old.remaining)))


def _merge_level(levels: tuple[LevelChanged, ...], change: LevelChanged) -> tuple[LevelChanged, ...]:
    """Add one level change into a command's changes, keeping one net change per level."""
    merged = {(lv.side, lv.price): lv.delta for lv in levels}
    key = (change.side, change.price)
    merged[key] = merged.get(key, 0) + change.delta
    return tuple(LevelChanged(side, price, delta) for (side, price), delta in sorted(merged.items()) if delta)
