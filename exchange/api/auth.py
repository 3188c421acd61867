"""REST authentication: Kalshi request signing (API keys) and Django sessions (browsable API, pages).

A signed request carries KALSHI-ACCESS-KEY, KALSHI-ACCESS-TIMESTAMP (ms) and KALSHI-ACCESS-SIGNATURE
over `timestamp + METHOD + path` (path from the root, without the query). Clients that sign the path
relative to /trade-api/v2 are accepted too.
"""

import time

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from exchange.models import ApiKey
from exchange.signing import SignatureError, load_api_key, verify

API_PREFIX = "/trade-api/v2"
KEY_HEADER = "HTTP_KALSHI_ACCESS_KEY"
TIMESTAMP_HEADER = "HTTP_KALSHI_ACCESS_TIMESTAMP"
SIGNATURE_HEADER = "HTTP_KALSHI_ACCESS_SIGNATURE"


def signed_paths(path: str) -> list[str]:
    """The paths a client may have signed for a request to `path`."""
    paths = [path]
    if path.startswith(API_PREFIX + "/"):
        paths.append(path[len(API_PREFIX):])
    return paths


def check_timestamp(raw: str, *, now_ms: int | None = None) -> None:
    try:
        timestamp_ms = int(raw)
    except (TypeError, ValueError):
        raise exceptions.AuthenticationFailed("KALSHI-ACCESS-TIMESTAMP must be milliseconds since the epoch") from None
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    window_ms = settings.EXCHANGE.get("SIGNATURE_WINDOW_S", 60) * 1000
    if abs(now_ms - timestamp_ms) > window_ms:
        raise exceptions.AuthenticationFailed("request timestamp is outside the allowed window")


class KalshiSignatureAuthentication(BaseAuthentication):
    """Authenticate by API-key signature; `request.auth` is the ApiKey."""

    def authenticate(self, request) -> tuple | None:
        meta = request.META
        key_id = meta.get(KEY_HEADER)
        if not key_id:
            return None
        timestamp, signature = meta.get(TIMESTAMP_HEADER), meta.get(SIGNATURE_HEADER)
        if not timestamp or not signature:
            raise exceptions.AuthenticationFailed("KALSHI-ACCESS-TIMESTAMP and KALSHI-ACCESS-SIGNATURE are required")
        check_timestamp(timestamp)
        try:
            key = load_api_key(key_id)
        except SignatureError as error:
            raise exceptions.AuthenticationFailed(str(error)) from None
        if not key.user.is_active:
            raise exceptions.AuthenticationFailed("user is inactive")
        method = request.method.upper()
        for path in signed_paths(request.path):
            try:
                verify(key.public_key_pem, f"{timestamp}{method}{path}".encode(), signature)
            except SignatureError:
                continue
            return key.user, key
        raise exceptions.AuthenticationFailed("signature does not verify")

    def authenticate_header(self, request) -> str:
        # A non-empty value makes DRF answer 401 (not 403) when authentication fails.
        return 'KALSHI-ACCESS-SIGNATURE realm="trade-api"'


AUTHENTICATION_CLASSES = [KalshiSignatureAuthentication, SessionAuthentication]


class IsTrader(BasePermission):
    """Authenticated; a key without the write scope may only read."""

    message = "this API key has read scope only"

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated("authentication required: sign the request or log in")
        if request.method in SAFE_METHODS:
            return True
        key = request.auth
        return not isinstance(key, ApiKey) or key.can_write()
