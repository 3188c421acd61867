"""REST authentication: Kalshi request signing (API keys) and Django sessions (browsable API, pages).

A signed request carries KALSHI-ACCESS-KEY, KALSHI-ACCESS-TIMESTAMP (ms) and KALSHI-ACCESS-SIGNATURE
over `timestamp + METHOD + path` (path from the root, without the query). Clients that sign the path
relative to /trade-api/v2 are accepted too. Refusals carry production's codes and details.
"""

import time
import uuid

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from exchange.api.auth_errors import KalshiAuthError
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


AUTHENTICATION_ERROR = "authentication_error"
AUTHENTICATION_MESSAGE = "We could not authenticate your request"


def refused(details: str) -> KalshiAuthError:
    """Production's 401 for a key or signature that does not authenticate."""
    return KalshiAuthError(AUTHENTICATION_ERROR, AUTHENTICATION_MESSAGE, details)


def check_timestamp(raw: str, *, now_ms: int | None = None) -> None:
    try:
        timestamp_ms = int(raw)
    except (TypeError, ValueError):
        raise refused("INVALID_PARAMETER") from None
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    window_ms = settings.EXCHANGE["SIGNATURE_WINDOW_S"] * 1000
    if abs(now_ms - timestamp_ms) > window_ms:
        raise KalshiAuthError("header_timestamp_expired", "request timestamp is outside the allowed window")


def api_key_of(key_id: str) -> ApiKey:
    """The key named by KALSHI-ACCESS-KEY: a malformed id is an invalid parameter, an unknown one not found."""
    try:
        uuid.UUID(key_id)
    except ValueError:
        raise refused("INVALID_PARAMETER") from None
    try:
        return load_api_key(key_id)
    except SignatureError:
        raise refused("NOT_FOUND") from None


class KalshiSignatureAuthentication(BaseAuthentication):
    """Authenticate by API-key signature; `request.auth` is the ApiKey."""

    def authenticate(self, request) -> tuple | None:
        meta = request.META
        key_id = meta.get(KEY_HEADER)
        if not key_id:
            return None
        timestamp, signature = meta.get(TIMESTAMP_HEADER), meta.get(SIGNATURE_HEADER)
        if not signature:
            raise KalshiAuthError("signature_is_missing_from_headers", "KALSHI-ACCESS-SIGNATURE is missing")
        if not timestamp:
            raise KalshiAuthError("timestamp_is_missing_from_headers", "KALSHI-ACCESS-TIMESTAMP is missing")
        check_timestamp(timestamp)
        key = api_key_of(key_id)
        if not key.user.is_active:
            raise refused("NOT_FOUND")
        method = request.method.upper()
        for path in signed_paths(request.path):
            try:
                verify(key.public_key_pem, f"{timestamp}{method}{path}".encode(), signature)
            except SignatureError:
                continue
            return key.user, key
        raise refused("INCORRECT_API_KEY_SIGNATURE")

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
