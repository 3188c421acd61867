"""Who a WebSocket connection belongs to: a signed upgrade request (Kalshi API key headers, the same
keys as REST) or a logged-in Django session."""

import time
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from django.conf import settings
from django.http.request import validate_host

from exchange.signing import SignatureError, load_api_key, verify

WS_PATH = "/trade-api/ws/v2"


class AuthError(Exception):
    """Signature headers were sent but do not authenticate: the upgrade is refused."""


def _headers(scope: dict) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _verify_signed(key_id: str, timestamp: str, signature: str):
    if not timestamp.isdigit():
        raise AuthError("KALSHI-ACCESS-TIMESTAMP must be milliseconds since the epoch")
    window_ms = settings.EXCHANGE["SIGNATURE_WINDOW_S"] * 1000
    if abs(time.time() * 1000 - int(timestamp)) > window_ms:
        raise AuthError("request timestamp outside the signature window")
    try:
        key = load_api_key(key_id)
        verify(key.public_key_pem, f"{timestamp}GET{WS_PATH}".encode(), signature)
    except SignatureError as exc:
        raise AuthError(str(exc)) from None
    return key.user


async def authenticate(scope: dict):
    """The connection's user or None (anonymous); raises AuthError for bad signature headers."""
    headers = _headers(scope)
    key_id = headers.get("kalshi-access-key")
    if key_id is not None:
        timestamp, signature = headers.get("kalshi-access-timestamp"), headers.get("kalshi-access-signature")
        if not timestamp or not signature:
            raise AuthError("KALSHI-ACCESS-TIMESTAMP and KALSHI-ACCESS-SIGNATURE are required with the key")
        return await database_sync_to_async(_verify_signed)(key_id, timestamp, signature)
    user = scope.get("user")
    if user is not None and user.is_authenticated and same_site(headers.get("origin")):
        return user
    return None


def same_site(origin: str | None) -> bool:
    """Whether a browser page at `origin` may act with the session cookie it sent along.

    Browsers attach cookies to WebSocket upgrades from any site and send that site as Origin, so a
    foreign page could otherwise read a logged-in user's private channels. Clients that are not
    browsers send no Origin. A page from a foreign origin still gets the public feed, anonymously.
    """
    if origin is None:
        return True
    try:
        host = urlsplit(origin).hostname
    except ValueError:
        return False
    if host and ":" in host:
        host = f"[{host}]"  # ALLOWED_HOSTS writes IPv6 addresses in brackets
    return bool(host) and validate_host(host, settings.ALLOWED_HOSTS)
