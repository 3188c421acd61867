"""The base of every authenticated trade-api view: signing or session auth, scopes, rate limits."""

from django.db import IntegrityError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from exchange.api.auth import AUTHENTICATION_CLASSES, IsTrader
from exchange.api.errors import error_response, exchange_error_response
from exchange.api.parsers import StrictJSONParser
from exchange.api.ratelimit import DEFAULT_COST, ENDPOINT_COSTS, TokenBucketThrottle
from exchange.engine.rejects import RejectCode
from exchange.services.errors import ExchangeError


class TradingView(APIView):
    """Views set `route` (the Kalshi path template) so their token cost is looked up in one table."""

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [IsTrader]
    throttle_classes = [TokenBucketThrottle]
    parser_classes = [StrictJSONParser]
    route = ""
    batched = False

    def token_cost(self, request: Request) -> int:
        cost = ENDPOINT_COSTS.get((request.method, self.route), DEFAULT_COST)
        if not self.batched:
            return cost
        data = request.data
        items = data.get("orders") or data.get("ids") if isinstance(data, dict) else None
        return cost * max(1, len(items)) if isinstance(items, list) else cost

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, IntegrityError) and "client_order_id" in str(exc):
            # Two concurrent orders with one client_order_id: the unique index decides.
            return exchange_error_response(ExchangeError(RejectCode.DUPLICATE_CLIENT_ORDER_ID,
                                                         "client_order_id is already in use"))
        return super().handle_exception(exc)


def created(data: dict) -> Response:
    return Response(data, status=201)


def not_found(message: str = "not found") -> Response:
    return error_response("not_found", message, 404)
