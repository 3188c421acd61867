"""The one REST error shape: {"error": {"code", "message", "details", "service"}}.

`ExchangeError` codes map to HTTP statuses here and nowhere else; DRF's own exceptions are reshaped
so every failure a client sees has Kalshi's form.
"""

import logging

from django.http import Http404, JsonResponse
from django.utils.deprecation import MiddlewareMixin
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from exchange.engine.rejects import RejectCode
from exchange.services.errors import ExchangeError

log = logging.getLogger(__name__)

STATUS_OF: dict[RejectCode, int] = {
    RejectCode.MARKET_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    RejectCode.ORDER_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    RejectCode.ORDER_GROUP_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    RejectCode.API_KEY_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    RejectCode.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    RejectCode.DUPLICATE_CLIENT_ORDER_ID: status.HTTP_409_CONFLICT,
    RejectCode.EXCHANGE_PAUSED: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def error_response(code: str, message: str, http_status: int, details: str = "") -> Response:
    return Response(
        {"error": {"code": code, "message": message, "details": details, "service": "exchange"}},
        status=http_status,
    )


def exchange_error_response(error: ExchangeError) -> Response:
    return error_response(error.code.value, error.message, STATUS_OF.get(error.code, 400), error.details)


def handle_exception(exc: Exception, context: dict) -> Response | None:
    """DRF EXCEPTION_HANDLER."""
    if isinstance(exc, ExchangeError):
        return exchange_error_response(exc)
    if isinstance(exc, Http404):
        return error_response("not_found", "not found", status.HTTP_404_NOT_FOUND)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.Throttled):
        # Kalshi answers rate limiting with a bare string.
        response.data = {"error": "too many requests"}
        return response
    code = {
        status.HTTP_400_BAD_REQUEST: "bad_request",
        status.HTTP_401_UNAUTHORIZED: "unauthorized",
        status.HTTP_403_FORBIDDEN: "forbidden",
        status.HTTP_404_NOT_FOUND: "not_found",
        status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    }.get(response.status_code, "error")
    message = _flatten(response.data)
    response.data = {"error": {"code": code, "message": message, "details": message, "service": "exchange"}}
    if response.status_code == status.HTTP_403_FORBIDDEN and isinstance(exc, exceptions.NotAuthenticated):
        response.status_code = status.HTTP_401_UNAUTHORIZED
    return response


def _flatten(data: object) -> str:
    if isinstance(data, dict):
        if set(data) == {"detail"}:
            return str(data["detail"])
        return "; ".join(f"{key}: {_flatten(value)}" for key, value in data.items())
    if isinstance(data, list):
        return "; ".join(_flatten(item) for item in data)
    return str(data)


def not_found(request, *args, **kwargs) -> JsonResponse:
    """Unknown paths under the API answer in the API's error shape, not Django's HTML page."""
    return JsonResponse({"error": {"code": "not_found", "message": "no such endpoint", "details": request.path,
                                   "service": "exchange"}}, status=status.HTTP_404_NOT_FOUND)


class ApiErrorMiddleware(MiddlewareMixin):
    """A bug behind an API path still answers in the API's shape (a 500 with a JSON body), so
    clients never have to parse an HTML error page. The traceback goes to the log. (MiddlewareMixin
    keeps it usable from both sync and async stacks, so it adds no thread hops under ASGI.)"""

    def process_exception(self, request, exception: Exception) -> JsonResponse | None:
        if not request.path.startswith("/trade-api/"):
            return None
        log.exception("unhandled error on %s %s", request.method, request.path)
        return JsonResponse({"error": {"code": "internal_server_error", "message": "internal server error",
                                       "details": "", "service": "exchange"}},
                            status=status.HTTP_500_INTERNAL_SERVER_ERROR)
