"""The one REST error shape: {"error": {"code", "message", "details", "service"}}.

`ExchangeError` codes map to HTTP statuses (and, where production words them differently, to their wire
code and details) here and nowhere else; DRF's own exceptions are reshaped so every failure a client
sees has Kalshi's form. `details` appears only when there are some, as on Kalshi; `service` only while
the configured API date has it (api_changes ERROR_SERVICE_REMOVED).
"""

import logging
import sys

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from exchange.api.auth_errors import KalshiAuthError
from exchange.api_changes import Change, in_force
from exchange.engine.rejects import RejectCode
from exchange.sequencer import EngineUnavailable
from exchange.services.errors import ExchangeError

log = logging.getLogger(__name__)

STATUS_OF: dict[RejectCode, int] = {
    RejectCode.MARKET_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    RejectCode.ORDER_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    RejectCode.ORDER_NOT_RESTING: status.HTTP_404_NOT_FOUND,
    RejectCode.ORDER_GROUP_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    RejectCode.API_KEY_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    RejectCode.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    RejectCode.DUPLICATE_CLIENT_ORDER_ID: status.HTTP_409_CONFLICT,
    RejectCode.FILL_OR_KILL_UNFILLED: status.HTTP_409_CONFLICT,
    RejectCode.MARKET_NOT_ACTIVE: status.HTTP_409_CONFLICT,
    RejectCode.EXCHANGE_PAUSED: status.HTTP_503_SERVICE_UNAVAILABLE,
    RejectCode.DEPRECATED_V1_ORDER_ENDPOINT: status.HTTP_410_GONE,
}

# Rejects production words its own way on REST: (code, message, details); a None message keeps ours.
# An order that is gone (canceled, executed, never ours, never existed) is one indistinguishable 404.
WIRE_OF: dict[RejectCode, tuple[str, str | None, str]] = {
    RejectCode.POST_ONLY_CROSS: ("invalid_order", None, "post only cross"),
    RejectCode.ORDER_NOT_FOUND: ("not_found", "not found", ""),
    RejectCode.ORDER_NOT_RESTING: ("not_found", "not found", ""),
}


API_PATH = "/trade-api/"


def is_api_path(path: str) -> bool:
    return path.startswith(API_PATH)


def error_body(code: str, message: str, details: str = "") -> dict:
    """The inside of {"error": ...}, also used for each failed item of a batch."""
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    if not in_force(Change.ERROR_SERVICE_REMOVED):
        body["service"] = "exchange"
    return body


def json_error(code: str, message: str, http_status: int, details: str = "") -> JsonResponse:
    """The error shape outside DRF views (middleware, Django's error handlers)."""
    return JsonResponse({"error": error_body(code, message, details)}, status=http_status)


def error_response(code: str, message: str, http_status: int, details: str = "") -> Response:
    return Response({"error": error_body(code, message, details)}, status=http_status)


def exchange_error_body(error: ExchangeError) -> dict:
    code, message, details = WIRE_OF.get(error.code, (error.code.value, None, error.details))
    return error_body(code, message or error.message, details)


def exchange_error_response(error: ExchangeError) -> Response:
    return Response({"error": exchange_error_body(error)}, status=STATUS_OF.get(error.code, 400))


def handle_exception(exc: Exception, context: dict) -> Response | None:
    """DRF EXCEPTION_HANDLER."""
    if isinstance(exc, ExchangeError):
        return exchange_error_response(exc)
    if isinstance(exc, KalshiAuthError):
        return error_response(exc.kalshi_code, exc.message, status.HTTP_401_UNAUTHORIZED, exc.details)
    if isinstance(exc, Http404):
        return error_response("not_found", "not found", status.HTTP_404_NOT_FOUND)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.Throttled):
        # Kalshi answers rate limiting with a bare string and no Retry-After or rate-limit headers.
        response.data = {"error": "too many requests"}
        if "Retry-After" in response:
            del response["Retry-After"]
        return response
    code = {
        status.HTTP_400_BAD_REQUEST: "bad_request",
        status.HTTP_401_UNAUTHORIZED: "unauthorized",
        status.HTTP_403_FORBIDDEN: "forbidden",
        status.HTTP_404_NOT_FOUND: "not_found",
        status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
        status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: "request_entity_too_large",
        status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    }.get(response.status_code, "error")
    message = _flatten(response.data)
    response.data = {"error": error_body(code, message, message)}
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


@csrf_exempt
def not_found(request, *args, **kwargs) -> JsonResponse:
    """Unknown paths under the API answer in the API's error shape, not Django's HTML page, whatever the
    method (CSRF protects views that act on a browser session; an unknown path does nothing)."""
    return json_error("not_found", "no such endpoint", status.HTTP_404_NOT_FOUND, request.path)


def exception_response(exception: BaseException) -> JsonResponse:
    """The API's answer to an exception no view handled: a database that cannot be reached is a 503 the
    client may retry (its transaction rolled back), and so is an engine that cannot be reached (a
    command whose reply was lost may have been carried out: a retry with the same client_order_id is
    safe); a body over the limit 413, anything else a 500."""
    if isinstance(exception, (OperationalError, InterfaceError)):
        return json_error("service_unavailable", "the exchange's database is unavailable; retry shortly",
                          status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(exception, EngineUnavailable):
        message = ("the exchange's engine stopped before answering; the request may have been applied"
                   if exception.maybe_applied else "the exchange's engine is unavailable; retry shortly")
        return json_error("service_unavailable", message, status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(exception, RequestDataTooBig):
        return json_error("request_entity_too_large", str(exception), status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exception, SuspiciousOperation):
        return json_error("bad_request", "bad request", status.HTTP_400_BAD_REQUEST)
    return json_error("internal_server_error", "internal server error", status.HTTP_500_INTERNAL_SERVER_ERROR)


class ApiErrorMiddleware(MiddlewareMixin):
    """A bug behind an API path still answers in the API's shape (a 500 with a JSON body), so
    clients never have to parse an HTML error page. The traceback goes to the log. (MiddlewareMixin
    keeps it usable from both sync and async stacks, so it adds no thread hops under ASGI.)"""

    def process_exception(self, request, exception: Exception) -> JsonResponse | None:
        if not is_api_path(request.path):
            return None
        response = exception_response(exception)
        if response.status_code == status.HTTP_500_INTERNAL_SERVER_ERROR:
            log.exception("unhandled error on %s %s", request.method, request.path)
        else:
            log.warning("%s %s answered %s: %s", request.method, request.path, response.status_code, exception)
        return response


# Django's error handlers (kalshi_site.urls): JSON under /trade-api/, Django's pages elsewhere. They
# answer what happens outside any view, such as an exception in a middleware.
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        return json_error("bad_request", "bad request", status.HTTP_400_BAD_REQUEST)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        return json_error("forbidden", "forbidden", status.HTTP_403_FORBIDDEN)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_path(request.path):
        return not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    exception = sys.exc_info()[1] or Exception()
    if is_api_path(request.path):
        return exception_response(exception)
    if isinstance(exception, (EngineUnavailable, OperationalError, InterfaceError)):
        # A page's command that the engine or the database could not take: retryable, not a bug.
        return HttpResponse("The exchange is unavailable; retry shortly.", content_type="text/plain",
                            status=status.HTTP_503_SERVICE_UNAVAILABLE)
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api_path(request.path):
        return json_error("forbidden", f"CSRF verification failed: {reason}", status.HTTP_403_FORBIDDEN)
    return django_csrf_failure(request, reason)
