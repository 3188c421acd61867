"""Orders V1: side yes|no + action buy|sell, prices in cents or dollars, full Order objects back."""

from rest_framework.request import Request
from rest_framework.response import Response

from exchange import services
from exchange.api.trading.base import TradingView, created
from exchange.api.trading.batch import MAX_BATCH, place_batch
from exchange.api.trading.parse import (
    MAX_CENTS,
    MAX_CONTRACTS,
    Body,
    invalid,
    legacy_count,
    legacy_yes_price,
    timestamp_s,
)
from exchange.api.trading.portfolio import list_orders
from exchange.api.trading.selectors import canonical_id, own_order, own_orders
from exchange.api.trading.shapes import count, item_error_shape, order_shape
from exchange.engine.rejects import RejectCode
from exchange.engine.units import price_from_cents
from exchange.models import Order
from exchange.services import ExchangeError, OrderRequest


def order_request(data: object) -> OrderRequest:
    body = Body(data)
    action = body.choice("action", ("buy", "sell"), required=True)
    floor = body.integer("sell_position_floor", high=MAX_CONTRACTS)
    if floor not in (None, 0):
        raise invalid("sell_position_floor only accepts 0")
    max_cost = body.integer("buy_max_cost", high=MAX_CENTS)
    # V1 clients send the order type; every order here is a limit order with a price.
    body.choice("type", ("limit", "market"), default="limit")
    return OrderRequest(
        ticker=body.text("ticker", required=True, max_length=64),
        side=body.choice("side", ("yes", "no"), required=True),
        action=action,
        yes_price=legacy_yes_price(body),
        count=legacy_count(body, "count"),
        time_in_force=body.text("time_in_force", default="good_till_canceled"),
        expiration_time=timestamp_s(body, "expiration_ts"),
        post_only=body.flag("post_only"),
        # sell_position_floor 0 is the deprecated spelling of reduce-only for sells.
        reduce_only=body.flag("reduce_only") or (floor == 0 and action == "sell"),
        self_trade_prevention_type=body.text("self_trade_prevention_type", default="taker_at_cross"),
        max_cost=price_from_cents(max_cost) if max_cost is not None else body.dollars(
            "buy_max_cost_dollars", RejectCode.INVALID_PARAMETER),
        client_order_id=body.text("client_order_id", max_length=64),
        order_group_id=body.text("order_group_id") or None,
        cancel_order_on_pause=body.flag("cancel_order_on_pause"),
        subaccount=body.integer("subaccount", high=63) or 0,
    )


def reduced(order_id: str, before: Order | None, after: Order | ExchangeError) -> dict:
    """One batch-cancel item."""
    if isinstance(after, ExchangeError):
        return {"order_id": order_id, "order": None, **count("reduced_by", 0),
                "error": item_error_shape(after)}
    return {"order_id": order_id, "order": order_shape(after, before.market.ticker),
            **count("reduced_by", before.remaining_count), "error": None}


class Orders(TradingView):
    route = "/portfolio/orders"

    def get(self, request: Request) -> Response:
        return list_orders(request)

    def post(self, request: Request) -> Response:
        order = services.order_create(user=request.user, request=order_request(request.data))
        return created({"order": order_shape(order)})


class OrderDetail(TradingView):
    route = "/portfolio/orders/{order_id}"

    def get(self, request: Request, order_id: str) -> Response:
        return Response({"order": order_shape(own_order(request.user, order_id))})

    def delete(self, request: Request, order_id: str) -> Response:
        before = own_order(request.user, order_id)
        order = services.order_cancel(user=request.user, order_id=order_id)
        return Response({"order": order_shape(order, before.market.ticker),
                         **count("reduced_by", before.remaining_count)})


def amend_request(data: object, order: Order) -> tuple[int, int, str | None]:
    """(YES price, total count, new client order id) from an amend body for `order`; omitted fields keep
    the order's own."""
    body = Body(data)
    ticker = body.text("ticker", required=True, max_length=64)
    side = body.choice("side", ("yes", "no"), required=True)
    action = body.choice("action", ("buy", "sell"), required=True)
    if (ticker, side, action) != (order.market.ticker, order.side, order.action):
        raise invalid("ticker, side and action must match the order being amended")
    yes_price = legacy_yes_price(body, required=False)
    total = legacy_count(body, "count", required=False)
    return (order.price if yes_price is None else yes_price, order.initial_count if total is None else total,
            body.text("updated_client_order_id", max_length=64) or None)


class OrderAmend(TradingView):
    route = "/portfolio/orders/{order_id}/amend"

    def post(self, request: Request, order_id: str) -> Response:
        order = own_order(request.user, order_id)
        yes_price, total, client_order_id = amend_request(request.data, order)
        old, new = services.order_amend(user=request.user, order_id=order_id, yes_price=yes_price, count=total,
                                        client_order_id=client_order_id)
        ticker = order.market.ticker
        return Response({"old_order": order_shape(old, ticker), "order": order_shape(new, ticker)})


class OrderDecrease(TradingView):
    route = "/portfolio/orders/{order_id}/decrease"

    def post(self, request: Request, order_id: str) -> Response:
        body = Body(request.data)
        order = services.order_decrease(
            user=request.user, order_id=order_id,
            reduce_by=legacy_count(body, "reduce_by", required=False),
            reduce_to=legacy_count(body, "reduce_to", required=False),
        )
        return Response({"order": order_shape(order)})


class OrdersBatched(TradingView):
    route = "/portfolio/orders/batched"
    batched = True

    def post(self, request: Request) -> Response:
        results = []
        for client_order_id, outcome in place_batch(request.user, request.data, order_request):
            if isinstance(outcome, ExchangeError):
                results.append({"client_order_id": client_order_id, "order": None,
                                "error": item_error_shape(outcome)})
            else:
                results.append({"client_order_id": outcome.client_order_id or None, "order": order_shape(outcome),
                                "error": None})
        return created({"orders": results})

    def delete(self, request: Request) -> Response:
        order_ids = batch_cancel_ids(Body(request.data))
        before = own_orders(request.user, order_ids)
        outcomes = services.orders_batch_cancel(user=request.user, order_ids=order_ids)
        return Response({"orders": [reduced(i, before.get(canonical_id(i)), o)
                                    for i, o in zip(order_ids, outcomes, strict=True)]})


def batch_cancel_ids(body: Body) -> list[str]:
    """`ids` (a list of order ids) or `orders` (a list of {"order_id": ...})."""
    ids = body.items("ids", max_items=MAX_BATCH)
    for item in body.items("orders", max_items=MAX_BATCH):
        ids.append(Body(item, "each order").text("order_id", required=True, max_length=64))
    if not ids:
        raise invalid("give the orders to cancel in ids or orders")
    if not all(isinstance(i, str) for i in ids):
        raise invalid("ids must be strings")
    if len(ids) > MAX_BATCH:
        raise invalid(f"at most {MAX_BATCH} orders per batch")
    return ids
