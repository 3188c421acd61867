"""REST authentication: Kalshi request signing (API keys) and Django sessions (browsable API, pages).

A signed request carries KALSHI-ACCESS-KEY, KALSHI-ACCESS-TIMESTAMP (ms) and KALSHI-ACCESS-SIGNATURE
over `timestamp + METHOD + path` (path from the root, without the query). Clients that sign the path
relative to /trade-api/v2 are accepted too. Refusals carry production's codes and details.
"""

import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from exchange.api.auth_errors import KalshiAuthError
from exchange.api.key_cache import API_KEYS, CachedApiKey
from exchange.signing import SignatureError, verify

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


@dataclass(frozen=True)
class SignedHeaders:
    key_id: uuid.UUID
    timestamp: str
    signature: str


def signed_headers(meta: dict) -> SignedHeaders | None:
    """The request's KALSHI-ACCESS-* headers, checked for presence, clock skew and a well-formed key id;
    None when the request is not signed."""
    key_id = meta.get(KEY_HEADER)
    if not key_id:
        return None
    timestamp, signature = meta.get(TIMESTAMP_HEADER), meta.get(SIGNATURE_HEADER)
    if not signature:
        raise KalshiAuthError("signature_is_missing_from_headers", "KALSHI-ACCESS-SIGNATURE is missing")
    if not timestamp:
        raise KalshiAuthError("timestamp_is_missing_from_headers", "KALSHI-ACCESS-TIMESTAMP is missing")
    check_timestamp(timestamp)
    try:
        return SignedHeaders(uuid.UUID(key_id), timestamp, signature)
    except ValueError:
        raise refused("INVALID_PARAMETER") from None


def verified(key: CachedApiKey | None, headers: SignedHeaders, method: str, path: str) -> CachedApiKey:
    """`key` if it belongs to an active user and signed this request; production's 401 otherwise."""
    if key is None or not key.user.is_active:
        raise refused("NOT_FOUND")
    for signed_path in signed_paths(path):
        try:
            verify(key.public_key_pem, f"{headers.timestamp}{method}{signed_path}".encode(), headers.signature)
        except SignatureError:
            continue
        return key
    raise refused("INCORRECT_API_KEY_SIGNATURE")


class KalshiSignatureAuthentication(BaseAuthentication):
    """Authenticate by API-key signature; `request.auth` is the CachedApiKey."""

    def authenticate(self, request) -> tuple | None:
        headers = signed_headers(request.META)
        if headers is None:
            return None
        key = verified(API_KEYS.load(headers.key_id), headers, request.method.upper(), request.path)
        return key.request_user(), key

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
        return not isinstance(key, CachedApiKey) or key.can_write()
