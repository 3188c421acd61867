"""Requests under /trade-api/ that no view should see, refused first, in the API's error shape.

It runs before every other middleware, so a bad Host header, an oversized or multipart body, or a
NUL in the URL is answered here as JSON (never Django's HTML or debug pages, never a 500 from the
database refusing a NUL).
"""

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, JsonResponse

from exchange.api.errors import is_api_path, json_error
from exchange.api.middleware import InLoop


def refusal(request: HttpRequest) -> JsonResponse | None:
    """Why `request` cannot be served, as the response to send; None when it may proceed."""
    try:
        request.get_host()
    except DisallowedHost:
        return json_error("bad_request", "the Host header names no host this exchange serves", 400)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return json_error("bad_request", "Content-Length is not a number", 400)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        return json_error("request_entity_too_large", f"request body is larger than {limit} bytes", 413)
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "").lower():
        return json_error("bad_request", "the URL may not contain NUL characters", 400)
    content_type = request.META.get("CONTENT_TYPE", "").lower()
    if length and content_type.startswith(("multipart/", "application/x-www-form-urlencoded")):
        return json_error("bad_request", "request bodies are JSON (Content-Type: application/json)", 400)
    return None


class ApiRequestGuard(InLoop):
    """First in MIDDLEWARE: refuse what `refusal` refuses on API paths (in the event loop: it only reads)."""

    def process_request(self, request: HttpRequest) -> JsonResponse | None:
        return refusal(request) if is_api_path(request.path) else None
