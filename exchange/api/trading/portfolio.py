"""Portfolio reads: balance, positions, fills, settlements, orders, queue positions, resting value."""

from collections import defaultdict
from datetime import UTC, datetime

from django.db.models import Q, QuerySet
from rest_framework.request import Request
from rest_framework.response import Response

from exchange.api.pagination import paginate, parse_limit
from exchange.api.trading.base import AsyncTradingView, TradingView
from exchange.api.trading.parse import invalid, query_int, query_list
from exchange.api.trading.selectors import own_order
from exchange.api.trading.shapes import (
    EXCHANGE_INDEX,
    event_position_shape,
    fill_shape,
    market_position_shape,
    order_shape,
    settlement_shape,
)
from exchange.api_changes import Change, in_force
from exchange.engine.units import count_to_contracts, count_to_fp, price_to_cents, units_to_dollars
from exchange.models import Account, Fill, Order, Position, Settlement
from exchange.selectors.portfolio import portfolio_value, queue_ahead, resting_counts, resting_order_value


def time_window(query: QuerySet, params, field: str) -> QuerySet:
    """min_ts / max_ts (Unix seconds) on `field`."""
    low, high = query_int(params, "min_ts"), query_int(params, "max_ts")
    if low is not None:
        query = query.filter(**{f"{field}__gte": datetime.fromtimestamp(low, tz=UTC)})
    if high is not None:
        query = query.filter(**{f"{field}__lte": datetime.fromtimestamp(high, tz=UTC)})
    return query


def by_market(query: QuerySet, params, prefix: str = "market__") -> QuerySet:
    """`ticker` and `event_ticker` filters (both accept comma-separated lists)."""
    tickers, events = query_list(params, "ticker"), query_list(params, "event_ticker")
    if tickers:
        query = query.filter(**{f"{prefix}ticker__in": tickers})
    if events:
        query = query.filter(**{f"{prefix}event__event_ticker__in": events})
    return query


def list_orders(request: Request) -> Response:
    params = request.query_params
    query = by_market(Order.objects.filter(user=request.user).select_related("market"), params)
    status = params.get("status")
    if status:
        if status not in Order.Status.values:
            raise invalid("status must be resting, canceled or executed")
        query = query.filter(status=status)
    query = time_window(query, params, "created_at").order_by("-created_at", "-id")
    rows, cursor = paginate(query, cursor=params.get("cursor"), limit=parse_limit(params.get("limit")))
    return Response({"orders": [order_shape(o) for o in rows], "cursor": cursor})


class Balance(AsyncTradingView):
    route = "/portfolio/balance"

    def get(self, request: Request) -> Response:
        account = Account.objects.filter(user=request.user).first()
        available = account.available if account else 0
        value = portfolio_value(request.user)
        updated = account.updated_at if account else datetime.now(UTC)
        return Response({
            "balance": price_to_cents(available),
            "balance_dollars": units_to_dollars(available),
            "portfolio_value": price_to_cents(value),
            "portfolio_value_dollars": units_to_dollars(value),
            "updated_ts": int(updated.timestamp()),
        })


class Positions(TradingView):
    route = "/portfolio/positions"

    def get(self, request: Request) -> Response:
        params = request.query_params
        query = by_market(Position.objects.filter(user=request.user).select_related("market__event"), params)
        for name in query_list(params, "count_filter"):
            if name not in ("position", "total_traded"):
                raise invalid("count_filter accepts position and total_traded")
            query = query.exclude(**{name: 0})
        settlement = params.get("settlement_status") or "unsettled"
        if settlement not in ("all", "settled", "unsettled"):
            raise invalid("settlement_status must be all, settled or unsettled")
        if settlement != "all":
            query = query.filter(market__settled_at__isnull=settlement == "unsettled")
        query = query.order_by("market__ticker")
        rows, cursor = paginate(query, cursor=params.get("cursor"), limit=parse_limit(params.get("limit")))
        # Only the dropped `resting_orders_count` needs the resting totals.
        resting = ({} if in_force(Change.MARKET_DEPRECATED_FIELDS_REMOVED)
                   else resting_counts(request.user, [p.market_id for p in rows]))
        events: dict[str, list[Position]] = defaultdict(list)
        for position in rows:
            events[position.market.event.event_ticker].append(position)
        return Response({
            "market_positions": [market_position_shape(p, p.market.ticker, resting.get(p.market_id, 0)) for p in rows],
            "event_positions": [event_position_shape(e, ps) for e, ps in sorted(events.items())],
            "cursor": cursor,
        })


class Fills(TradingView):
    route = "/portfolio/fills"

    def get(self, request: Request) -> Response:
        params = request.query_params
        query = by_market(Fill.objects.filter(user=request.user).select_related("market", "order"), params)
        order_id = params.get("order_id")
        if order_id:
            query = query.filter(order=own_order(request.user, order_id))
        query = time_window(query, params, "created_at").order_by("-created_at", "-id")
        rows, cursor = paginate(query, cursor=params.get("cursor"), limit=parse_limit(params.get("limit")))
        return Response({"fills": [fill_shape(f, f.market.ticker, f.order.client_order_id) for f in rows],
                         "cursor": cursor})


class Settlements(TradingView):
    route = "/portfolio/settlements"

    def get(self, request: Request) -> Response:
        params = request.query_params
        query = by_market(Settlement.objects.filter(user=request.user).select_related("market__event"), params)
        query = time_window(query, params, "settled_at").order_by("-settled_at", "-id")
        rows, cursor = paginate(query, cursor=params.get("cursor"), limit=parse_limit(params.get("limit")))
        shapes = [settlement_shape(s, s.market.ticker, s.market.event.event_ticker) for s in rows]
        return Response({"settlements": shapes, "cursor": cursor})


def queue_position(count: int) -> dict:
    return {"queue_position": count_to_contracts(count), "queue_position_fp": count_to_fp(count)}


class QueuePosition(TradingView):
    route = "/portfolio/orders/{order_id}/queue_position"

    def get(self, request: Request, order_id: str) -> Response:
        return Response(queue_position(queue_ahead(own_order(request.user, order_id))))


class QueuePositions(TradingView):
    route = "/portfolio/orders/queue_positions"

    def get(self, request: Request) -> Response:
        params = request.query_params
        query = Order.objects.filter(user=request.user, status=Order.Status.RESTING).select_related("market")
        tickers, events = query_list(params, "market_tickers"), query_list(params, "event_ticker")
        if tickers or events:
            query = query.filter(Q(market__ticker__in=tickers) | Q(market__event__event_ticker__in=events))
        return Response({"queue_positions": [
            {"order_id": str(o.id), "market_ticker": o.market.ticker, **queue_position(queue_ahead(o))}
            for o in query.order_by("created_at")
        ]})


class RestingOrderValue(TradingView):
    route = "/portfolio/summary/total_resting_order_value"

    def get(self, request: Request) -> Response:
        value = resting_order_value(request.user)
        return Response({
            "total_resting_order_value": price_to_cents(value),
            "resting_order_value_breakdown": [{"exchange_index": EXCHANGE_INDEX, "balance": units_to_dollars(value)}],
        })
