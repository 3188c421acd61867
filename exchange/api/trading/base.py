"""The base of every authenticated trade-api view: signing or session auth, scopes, rate limits; and its
asynchronous form for the order-entry hot path."""

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.response import SimpleTemplateResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from exchange.api.auth import AUTHENTICATION_CLASSES, IsTrader, signed_headers, verified
from exchange.api.errors import error_response, exchange_error_response
from exchange.api.key_cache import API_KEYS
from exchange.api.parsers import StrictJSONParser
from exchange.api.ratelimit import DEFAULT_COST, TokenBucketThrottle, endpoint_costs
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
        cost = endpoint_costs().get((request.method, self.route), DEFAULT_COST)
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


class AsyncTradingView(TradingView):
    """A trading view dispatched in the event loop: DRF's dispatch with its I/O awaited.

    Under ASGI a sync view costs a thread hop for the view and another to render its response. Here a
    signed request's key comes from the key cache, a coroutine handler awaits the sequencer, a plain
    handler (database reads) runs in one thread hop, and the response leaves rendered. A key not yet
    cached, or a session, is read in a thread.
    """

    view_is_async = True  # whatever its handlers are: dispatch is the coroutine Django awaits

    async def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            await self.authenticate(request)
            self.initial(request, *args, **kwargs)
            method = request.method.lower()
            handler = getattr(self, method, self.http_method_not_allowed) if method in self.http_method_names \
                else self.http_method_not_allowed
            if iscoroutinefunction(handler):
                response = await handler(request, *args, **kwargs)
            elif handler in (self.http_method_not_allowed, self.options):
                response = handler(request, *args, **kwargs)  # answered from the view class alone
            else:
                response = await sync_to_async(handler)(request, *args, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return rendered(self.response)

    async def authenticate(self, request: Request) -> None:
        """Settle who is asking before DRF's checks read it: a signed request through the key cache, any
        other through DRF's authenticators in a thread (a session reads the database)."""
        headers = signed_headers(request._request.META)
        if headers is None:
            await sync_to_async(self.perform_authentication)(request)
            return
        key = verified(await API_KEYS.aload(headers.key_id), headers, request.method.upper(), request.path)
        request.user, request.auth = key.request_user(), key


def rendered(response: HttpResponseBase) -> HttpResponseBase:
    """A DRF response rendered now, as a plain HttpResponse with the same bytes and headers: Django would
    render anything that still can render in a thread hop."""
    if not isinstance(response, SimpleTemplateResponse):
        return response
    response.render()
    plain = HttpResponse(response.content, status=response.status_code)
    plain.headers, plain.cookies = response.headers, response.cookies
    return plain


def created(data: dict) -> Response:
    return Response(data, status=201)


def not_found(message: str = "not found") -> Response:
    return error_response("not_found", message, 404)
