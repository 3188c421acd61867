"""Orders V2 (/portfolio/events/orders): book side bid|ask, `price` a YES dollar string, `count` an fp
string, thin acknowledgements back."""

from asgiref.sync import sync_to_async
from rest_framework.request import Request
from rest_framework.response import Response

from exchange import services
from exchange.api.trading.base import AsyncTradingView, TradingView, created
from exchange.api.trading.batch import MAX_BATCH, place_batch
from exchange.api.trading.parse import Body, invalid, parse_count_fp, query_int, timestamp_s
from exchange.api.trading.selectors import canonical_id, own_order, own_orders, resting_order_ids
from exchange.api.trading.shapes import item_error_shape
from exchange.engine.rejects import RejectCode
from exchange.engine.units import ONE_CONTRACT, ONE_DOLLAR, count_to_fp, units_to_dollars
from exchange.models import Order
from exchange.sequencer import aexecute
from exchange.services import ExchangeError, OrderRequest
from exchange.wire_time import ts_ms

# A V2 order states only its book side; it is recorded as the YES trade it is (an ask sells YES).
SIDE_ACTION = {"bid": ("yes", "buy"), "ask": ("yes", "sell")}


def yes_price(body: Body) -> int:
    if not body.has("price"):
        raise invalid("price is required", RejectCode.INVALID_PRICE)
    price = body.dollars("price")
    if not 0 < price < ONE_DOLLAR:
        raise invalid("price must be strictly between 0 and 1 dollar", RejectCode.INVALID_PRICE)
    return price


def fp_count(body: Body, name: str, required: bool = True) -> int | None:
    if not body.has(name):
        if required:
            raise invalid(f"{name} is required", RejectCode.INVALID_COUNT)
        return None
    return parse_count_fp(body.data[name], name)


def required_text(body: Body, name: str) -> str:
    """A field production refuses the order without, with its `missing_parameters` code."""
    if not body.has(name):
        raise invalid(f"{name} is required", RejectCode.MISSING_PARAMETERS)
    return body.text(name)


def order_request(data: object) -> OrderRequest:
    body = Body(data)
    side, action = SIDE_ACTION[body.choice("side", ("bid", "ask"), required=True)]
    time_in_force = required_text(body, "time_in_force")
    self_trade_prevention_type = required_text(body, "self_trade_prevention_type")
    reduce_only = body.flag("reduce_only")
    if reduce_only and time_in_force != "immediate_or_cancel":
        raise invalid("reduce_only orders must be immediate_or_cancel")
    return OrderRequest(
        ticker=body.text("ticker", required=True, max_length=64),
        side=side,
        action=action,
        yes_price=yes_price(body),
        count=fp_count(body, "count"),
        time_in_force=time_in_force,
        expiration_time=timestamp_s(body, "expiration_time"),
        post_only=body.flag("post_only"),
        reduce_only=reduce_only,
        self_trade_prevention_type=self_trade_prevention_type,
        max_cost=body.dollars("buy_max_cost_dollars", RejectCode.INVALID_PARAMETER),
        client_order_id=body.text("client_order_id", max_length=64),
        order_group_id=body.text("order_group_id") or None,
        cancel_order_on_pause=body.flag("cancel_order_on_pause"),
        subaccount=body.integer("subaccount", high=63) or 0,
    )


def average_fill_price(order: Order) -> str:
    """Average YES price of the filled part (the fill costs are in the side the order paid)."""
    paid = (order.taker_fill_cost + order.maker_fill_cost) * ONE_CONTRACT // order.fill_count
    return units_to_dollars(paid if order.book_side == "bid" else ONE_DOLLAR - paid)


def ack(order: Order) -> dict:
    """Production's V2 acknowledgement: the averages only once something filled, no null keys, no status."""
    data = {"order_id": str(order.id)}
    if order.client_order_id:
        data["client_order_id"] = order.client_order_id
    data.update(fill_count=count_to_fp(order.fill_count), remaining_count=count_to_fp(order.remaining_count))
    if order.fill_count:
        fees = order.taker_fees + order.maker_fees
        data.update(average_fill_price=average_fill_price(order),
                    average_fee_paid=units_to_dollars(fees * ONE_CONTRACT // order.fill_count))
    data["ts_ms"] = ts_ms(order.updated_at)
    return data


def cancel_ack(order: Order, reduced_by: int) -> dict:
    data = {"order_id": str(order.id), "reduced_by": count_to_fp(reduced_by), "ts_ms": ts_ms(order.updated_at)}
    if order.client_order_id:
        data["client_order_id"] = order.client_order_id
    return data


class EventOrders(AsyncTradingView):
    route = "/portfolio/events/orders"

    async def post(self, request: Request) -> Response:
        order = await aexecute("order_create", user_id=request.user.pk, request=order_request(request.data))
        return created(ack(order))

    async def delete(self, request: Request) -> Response:
        subaccount = query_int(request.query_params, "subaccount", high=63)
        ticker = request.query_params.get("ticker") or None
        only = await sync_to_async(resting_order_ids)(request.user, subaccount=subaccount)
        await aexecute("orders_cancel_all", user_id=request.user.pk, ticker=ticker, only=only)
        return Response(status=204)


class EventOrderDetail(AsyncTradingView):
    route = "/portfolio/events/orders/{order_id}"

    async def delete(self, request: Request, order_id: str) -> Response:
        before = await sync_to_async(own_order)(request.user, order_id)
        order = await aexecute("order_cancel", user_id=request.user.pk, order_id=order_id)
        return Response(cancel_ack(order, before.remaining_count))


class EventOrderAmend(AsyncTradingView):
    route = "/portfolio/events/orders/{order_id}/amend"

    async def post(self, request: Request, order_id: str) -> Response:
        body = Body(request.data)
        order = await sync_to_async(own_order)(request.user, order_id)
        ticker = body.text("ticker", required=True, max_length=64)
        side = body.choice("side", ("bid", "ask"), required=True)
        if (ticker, side) != (order.market.ticker, order.book_side):
            raise invalid("ticker and side must match the order being amended")
        _, new = await aexecute(
            "order_amend", user_id=request.user.pk, order_id=order_id, yes_price=yes_price(body),
            count=fp_count(body, "count"), client_order_id=body.text("updated_client_order_id", max_length=64) or None,
        )
        return Response(ack(new))


class EventOrderDecrease(AsyncTradingView):
    route = "/portfolio/events/orders/{order_id}/decrease"

    async def post(self, request: Request, order_id: str) -> Response:
        body = Body(request.data)
        order = await aexecute("order_decrease", user_id=request.user.pk, order_id=order_id,
                               reduce_by=fp_count(body, "reduce_by", required=False),
                               reduce_to=fp_count(body, "reduce_to", required=False))
        data = {"order_id": str(order.id), "remaining_count": count_to_fp(order.remaining_count),
                "ts_ms": ts_ms(order.updated_at)}
        if order.client_order_id:
            data["client_order_id"] = order.client_order_id
        return Response(data)


class EventOrdersBatched(TradingView):
    route = "/portfolio/events/orders/batched"
    batched = True

    def post(self, request: Request) -> Response:
        results = []
        for client_order_id, outcome in place_batch(request.user, request.data, order_request):
            if isinstance(outcome, ExchangeError):
                item = {"client_order_id": client_order_id} if client_order_id else {}
                results.append({**item, "error": item_error_shape(outcome)})
            else:
                results.append(ack(outcome))
        return created({"orders": results})

    def delete(self, request: Request) -> Response:
        body = Body(request.data)
        order_ids = [Body(item, "each order").text("order_id", required=True, max_length=64)
                     for item in body.items("orders", required=True, max_items=MAX_BATCH)]
        before = own_orders(request.user, order_ids)
        outcomes = services.orders_batch_cancel(user=request.user, order_ids=order_ids)
        results = []
        for order_id, outcome in zip(order_ids, outcomes, strict=True):
            if isinstance(outcome, ExchangeError):
                results.append({"order_id": order_id, "reduced_by": count_to_fp(0), "error": item_error_shape(outcome)})
            else:
                prior = before[canonical_id(order_id)]
                results.append(cancel_ack(outcome, prior.remaining_count))
        return Response({"orders": results})
