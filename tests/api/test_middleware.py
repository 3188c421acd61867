"""The middleware arrangement: browser-session middleware step aside for signed or cookieless API requests,
the rest keep answering as before, over the real server (daphne, the asynchronous stack)."""

import http.client
import json
import time
from urllib.parse import urlsplit

import pytest
from asgiref.sync import SyncToAsync, iscoroutinefunction
from django.core.handlers.asgi import ASGIHandler
from django.test import Client, RequestFactory

from exchange.api.middleware import session_free
from exchange.signing import sign_rsa_pss
from tests.support.factories import make_api_key, make_market, make_user

BALANCE = "/trade-api/v2/portfolio/balance"
ORDERS = "/trade-api/v2/portfolio/events/orders"
# Headers Django's security and clickjacking middleware add, which API answers keep carrying.
SECURITY_HEADERS = {"x-frame-options": "DENY", "x-content-type-options": "nosniff",
                    "referrer-policy": "same-origin", "cross-origin-opener-policy": "same-origin"}


@pytest.mark.parametrize(("path", "headers", "expected"), [
    (BALANCE, {"HTTP_KALSHI_ACCESS_KEY": "k", "HTTP_COOKIE": "sessionid=s"}, True),
    (BALANCE, {}, True),
    (BALANCE, {"HTTP_COOKIE": "sessionid=s"}, False),
    (BALANCE, {"HTTP_COOKIE": "csrftoken=t; theme=dark"}, True),
    (BALANCE, {"HTTP_KALSHI_ACCESS_KEY": "", "HTTP_COOKIE": "sessionid=s"}, False),
    ("/portfolio/", {}, False),
], ids=["signed-with-session", "cookieless", "session", "other-cookies", "empty-key-with-session", "page"])
def test_session_free_requests_are_signed_or_cookieless_api_calls(path, headers, expected):
    """Only API requests that a signature authenticates, or that carry no session cookie, skip the browser
    middleware."""
    assert session_free(RequestFactory().get(path, **headers)) is expected


def test_no_view_hook_hops_to_a_thread():
    """Under ASGI every process_view hook is a coroutine awaited in the event loop, not a sync hook Django
    would run through a thread hop on every request."""
    handler = ASGIHandler()
    assert handler._view_middleware
    for hook in handler._view_middleware:
        assert iscoroutinefunction(hook) and not isinstance(hook, SyncToAsync), hook


def _request(base: str, method: str, path: str, *, headers: dict, body: dict | None = None):
    conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers={**headers, "Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def _signed(key, pem: str, method: str, path: str) -> dict:
    timestamp = str(int(time.time() * 1000))
    return {"KALSHI-ACCESS-KEY": str(key.key_id), "KALSHI-ACCESS-TIMESTAMP": timestamp,
            "KALSHI-ACCESS-SIGNATURE": sign_rsa_pss(pem, f"{timestamp}{method}{path}".encode())}


@pytest.mark.django_db(transaction=True)
def test_a_signed_answer_keeps_the_security_headers_and_sets_no_cookie(live_server_url):
    """A signed request, even one carrying a session cookie, is answered with the security headers and a
    Content-Length as before, and without any session or CSRF cookie or a Vary on Cookie."""
    user = make_user("signer")
    key, pem = make_api_key(user)
    browser = Client()
    browser.force_login(user)
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    status, headers, body = _request(live_server_url, "GET", BALANCE,
                                     headers={**_signed(key, pem, "GET", BALANCE), "Cookie": cookie})
    assert status == 200, body
    assert {name: headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    assert int(headers["content-length"]) == len(body)
    assert "set-cookie" not in headers
    assert "cookie" not in headers.get("vary", "").lower()


@pytest.mark.django_db(transaction=True)
def test_a_browser_session_still_needs_its_csrf_token_on_the_server(live_server_url):
    """Over daphne, a session-authenticated API write without the CSRF token is refused 403, and with the
    token (cookie and X-CSRFToken header) the order is placed."""
    user = make_user("browser")
    market = make_market("MW-MKT")
    browser = Client()
    browser.force_login(user)
    token = "a" * 32
    cookies = f"sessionid={browser.cookies['sessionid'].value}; csrftoken={token}"
    order = {"ticker": market.ticker, "side": "bid", "price": "0.5000", "count": "1.00",
             "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"}
    status, _, body = _request(live_server_url, "POST", ORDERS, headers={"Cookie": cookies}, body=order)
    assert status == 403, body
    assert "CSRF" in json.loads(body)["error"]["message"]
    status, _, body = _request(live_server_url, "POST", ORDERS, headers={"Cookie": cookies, "X-CSRFToken": token},
                               body=order)
    assert status == 201, body
