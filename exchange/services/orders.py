"""Order entry commands: create, cancel, decrease, amend and cancel-all, run by the sequencer."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from exchange.engine import CancelReason, NewOrder, SelfTradePrevention, Side, TimeInForce
from exchange.engine import matching as engine
from exchange.engine.pricing import is_valid_count
from exchange.engine.rejects import RejectCode
from exchange.fix.session import Target
from exchange.ids import new_id
from exchange.models import FixOrderSession, Market, Order, OrderGroup
from exchange.outbox import UpdateReason
from exchange.sequencer.batch import current_batch
from exchange.services.errors import ExchangeError
from exchange.services.market_txn import MarketTxn, cancel_across_markets


def book_side_of(side: str, action: str) -> Side:
    """Buy YES and sell NO are bids on YES; buy NO and sell YES are asks."""
    if side not in ("yes", "no") or action not in ("buy", "sell"):
        raise ExchangeError(RejectCode.INVALID_PARAMETER, "side must be yes|no and action buy|sell")
    return Side.BID if (side == "yes") == (action == "buy") else Side.ASK


def require_trading(market: Market) -> None:
    """Refuse order entry while an admin has paused the exchange (read with the market's lock)."""
    if market.exchange_paused:
        raise ExchangeError(RejectCode.EXCHANGE_PAUSED, "trading is paused on the exchange")


def require_active(market: Market) -> None:
    if market.status != Market.Status.ACTIVE:
        raise ExchangeError(RejectCode.MARKET_NOT_ACTIVE, f"market {market.ticker} is {market.status}")


@dataclass(frozen=True)
class OrderRequest:
    """An order as a client asked for it; `yes_price` is the YES-space price in $0.0001."""

    ticker: str
    side: str
    action: str
    yes_price: int
    count: int
    time_in_force: str = TimeInForce.GTC.value
    expiration_time: datetime | None = None
    post_only: bool = False
    reduce_only: bool = False
    self_trade_prevention_type: str = SelfTradePrevention.TAKER_AT_CROSS.value
    max_cost: int | None = None
    client_order_id: str = ""
    order_group_id: str | None = None
    cancel_order_on_pause: bool = False
    subaccount: int = 0
    source: str = "rest"
    rt_session: str | None = None  # the FIX retransmission session that owns the order's reports




def order_create(*, user_id: int, request: OrderRequest) -> Order | ExchangeError:
    """Place an order: it rests, executes, or both, completely or not at all.

    A fill-or-kill order that cannot fill completely is refused, but, as on Kalshi, it is recorded as
    canceled so its client_order_id stays used: the refusal is returned (not raised) so the record
    commits, and the caller gets it raised.
    """
    book_side = book_side_of(request.side, request.action)
    tif, stp = _parse_enums(request)
    txn = MarketTxn.lock(ticker=request.ticker)
    market = txn.market
    require_trading(market)
    require_active(market)
    if request.expiration_time is not None and request.expiration_time <= txn.now:
        raise ExchangeError(RejectCode.INVALID_PARAMETER, "expiration time is in the past")
    # A client_order_id is never freed: not by a cancel, an execution or a kill.
    if request.client_order_id and txn.batch.client_order_id_used(user_id, request.client_order_id):
        raise ExchangeError(RejectCode.DUPLICATE_CLIENT_ORDER_ID, "client_order_id is already in use")
    group = _order_group(user_id, request.order_group_id)

    order = Order(
        id=new_id(), user_id=user_id, market=market, client_order_id=request.client_order_id,
        book_side=book_side.value, side=request.side, action=request.action, price=request.yes_price,
        initial_count=request.count, remaining_count=request.count, status=Order.Status.RESTING,
        time_in_force=tif.value, expiration_time=request.expiration_time, post_only=request.post_only,
        reduce_only=request.reduce_only, cancel_order_on_pause=request.cancel_order_on_pause,
        self_trade_prevention_type=stp.value, max_cost=request.max_cost, order_group=group,
        subaccount=request.subaccount, source=request.source, priority=txn.new_priority(),
        created_at=txn.now, updated_at=txn.now,
    )
    incoming = NewOrder(
        str(order.id), user_id, book_side, request.yes_price, request.count, priority=order.priority, tif=tif,
        post_only=request.post_only, reduce_only=request.reduce_only,
        position=txn.position(user_id).position if request.reduce_only else 0, stp=stp, max_cost=request.max_cost,
    )
    book = txn.crossing_window(book_side, request.yes_price, owner=user_id, count=request.count)
    result = engine.submit(book, incoming, structure=market.price_level_structure,
                           fractional=market.fractional_trading_enabled)
    if not result.ok:
        refusal = ExchangeError(result.reject, f"order rejected: {result.reject.value}")
        if result.reject is not RejectCode.FILL_OR_KILL_UNFILLED:
            raise refusal
        # Killed whole: the unfilled remainder is all of it.
        order.status, order.remaining_count = Order.Status.CANCELED, 0
        order.last_update_reason = UpdateReason.IOC_REMAINDER
        txn.add_order(order)
        txn.flush()
        _owned_by(order, request.rt_session)
        return refusal
    effective = request.count
    if request.reduce_only:
        effective = min(effective, engine.reduce_only_cap(book_side, incoming.position))
    order.remaining_count = effective
    txn.require_funds(user_id)
    txn.add_order(order)
    txn.apply(result, reason=UpdateReason.PLACED)
    txn.flush()
    _owned_by(order, request.rt_session)
    groups = _maker_groups(txn, result) | ({group.pk} if group is not None else set())
    if groups and result.fills:
        # After commit, as its own command: a trigger cancels across markets.
        txn.batch.after_commit.append(("order_groups_check", {"group_ids": groups}))
    return order


def order_cancel(*, user_id: int, order_id: str, reason: CancelReason = CancelReason.USER) -> Order:
    txn = MarketTxn.lock_for_order(user_id, order_id)
    order = txn.resting_order(order_id)
    book = txn.book_of([order])
    txn.apply(engine.cancel(book, str(order.id), reason=reason), reason=UpdateReason.of_cancel(reason))
    txn.flush()
    return order


def order_decrease(*, user_id: int, order_id: str, reduce_by: int | None = None,
                   reduce_to: int | None = None, client_order_id: str | None = None,
                   rt_session: str | None = None) -> Order:
    """Shrink a resting order, keeping its place in the queue; shrinking to zero cancels it.
    A FIX replace that only shrinks the order gives it its new ClOrdID as `client_order_id`."""
    if (reduce_by is None) == (reduce_to is None):
        raise ExchangeError(RejectCode.INVALID_PARAMETER, "give exactly one of reduce_by and reduce_to")
    txn = MarketTxn.lock_for_order(user_id, order_id)
    order = txn.resting_order(order_id)
    by = reduce_by if reduce_by is not None else order.remaining_count - reduce_to
    if by <= 0 or (reduce_to is not None and reduce_to < 0):
        raise ExchangeError(RejectCode.INVALID_COUNT, "decrease must reduce the order by a positive count")
    if not is_valid_count(by, txn.market.fractional_trading_enabled):
        raise ExchangeError(RejectCode.INVALID_COUNT, "this market trades whole contracts only")
    result = engine.decrease(txn.book_of([order]), str(order.id), by=by)
    if not result.ok:
        raise ExchangeError(result.reject)
    if client_order_id:
        order.client_order_id = client_order_id
    txn.apply(result, reason=UpdateReason.DECREASE)
    txn.flush()
    _owned_by(order, rt_session)
    return order


def order_amend(*, user_id: int, order_id: str, yes_price: int, count: int,
                client_order_id: str | None = None, rt_session: str | None = None) -> tuple[Order, Order]:
    """Change price and/or total count (filled + remaining). Returns (old state, new state)."""
    txn = MarketTxn.lock_for_order(user_id, order_id)
    market = txn.market
    require_trading(market)
    require_active(market)
    order = txn.resting_order(order_id)
    old = Order(**{f.attname: getattr(order, f.attname) for f in Order._meta.concrete_fields})
    remaining = count - order.fill_count
    if remaining <= 0:
        raise ExchangeError(RejectCode.INVALID_COUNT, "amended count must exceed the filled count")
    side = Side(order.book_side)
    book = txn.crossing_window(side, yes_price, owner=user_id, count=remaining)
    txn.book_of([order], book)
    keeps_place = yes_price == order.price and remaining <= order.remaining_count
    priority = order.priority if keeps_place else txn.new_priority()
    amended = NewOrder(str(order.id), user_id, side, yes_price, remaining, priority=priority,
                       post_only=order.post_only, stp=SelfTradePrevention(order.self_trade_prevention_type))
    result = engine.amend(book, amended, structure=market.price_level_structure,
                          fractional=market.fractional_trading_enabled)
    if not result.ok:
        raise ExchangeError(result.reject, f"amend rejected: {result.reject.value}")
    order.price, order.remaining_count, order.priority = yes_price, remaining, priority
    order.initial_count = count
    if client_order_id:
        order.client_order_id = client_order_id
    txn.require_funds(user_id)
    txn.apply(result, reason=UpdateReason.AMEND)
    txn.flush()
    _owned_by(order, rt_session)
    return old, order


def orders_cancel_all(*, user_id: int | None = None, ticker: str | None = None,
                      reason: CancelReason = CancelReason.USER, only: list[str] | None = None) -> list[Order]:
    """Cancel resting orders (a user's, a market's, or listed ids) in one commit."""
    query = Order.objects.filter(status=Order.Status.RESTING)
    if user_id is not None:
        query = query.filter(user_id=user_id)
    if ticker is not None:
        query = query.filter(market__ticker=ticker)
    if only is not None:
        query = query.filter(id__in=only)
    return cancel_across_markets(query, reason)


# --- helpers -----------------------------------------------------------------------------------------
def _parse_enums(request: OrderRequest) -> tuple[TimeInForce, SelfTradePrevention]:
    try:
        tif = TimeInForce(request.time_in_force)
        stp = SelfTradePrevention(request.self_trade_prevention_type)
    except ValueError as exc:
        raise ExchangeError(RejectCode.INVALID_PARAMETER, str(exc)) from None
    if request.expiration_time is not None and tif is not TimeInForce.GTC:
        raise ExchangeError(RejectCode.INVALID_PARAMETER, "expiration_time needs good_till_canceled")
    if request.max_cost is not None:
        tif = TimeInForce.FOK
    return tif, stp


def _order_group(user_id: int, group_id: str | None) -> OrderGroup | None:
    if not group_id:
        return None
    try:
        group = OrderGroup.objects.get(pk=uuid.UUID(str(group_id)), user_id=user_id, is_deleted=False)
    except (OrderGroup.DoesNotExist, ValueError):
        raise ExchangeError(RejectCode.ORDER_GROUP_NOT_FOUND, "order group not found") from None
    if group.is_triggered:
        raise ExchangeError(RejectCode.ORDER_GROUP_LIMIT, "order group is triggered; reset it to trade")
    return group


def _maker_groups(txn: MarketTxn, result: engine.Result) -> set:
    ids = {txn.orders[f.maker_order_id].order_group_id for f in result.fills}
    return {i for i in ids if i is not None}


def _owned_by(order: Order, rt_session: str | None) -> None:
    """Record, in the order's own commit, which FIX retransmission session its reports belong to."""
    if rt_session:
        current_batch().sessions[str(order.id)] = FixOrderSession(
            order_id=order.id, key_id=rt_session, target=Target.RT.value)
