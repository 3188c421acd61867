"""Hostile HTTP: every answer under /trade-api/ is an HTTP response in Kalshi's error shape, never a 500,
an HTML page or a closed socket."""

import json

import pytest
from django.test import Client

from exchange.models import Order
from tests.support.signed_client import SignedClient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]


def _error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    error = response.json()["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    if code is not None:
        assert error["code"] == code
    return error


@pytest.fixture
def alice(trader):
    client = SignedClient()
    client.client.force_authenticate(trader)
    return client


@pytest.fixture
def order_body(market):
    return {"ticker": market.ticker, "side": "yes", "action": "buy", "yes_price": 10, "count": 1}


def test_body_over_the_limit_is_413(alice, order_body, settings):
    """A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE is 413 in Kalshi's shape, not a 500."""
    raw = json.dumps({**order_body, "pad": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    _error(alice.request("POST", "/portfolio/orders", raw=raw), 413, "request_entity_too_large")
    assert not Order.objects.exists()


@pytest.mark.parametrize("raw", ["[" * 1000 + "]" * 1000, '{"a":' * 5000 + "1" + "}" * 5000,
                                 '{"orders": ' + "[" * 100_000 + "]" * 100_000 + "}"])
def test_deeply_nested_json_is_400(alice, raw):
    """JSON nested deep enough to exhaust the parser's recursion is 400, not a 500."""
    _error(alice.request("POST", "/portfolio/orders", raw=raw), 400, "bad_request")


def test_paired_surrogates_are_a_character(alice, order_body):
    """An escaped surrogate pair is one character (here U+1F600) and not refused as a lone surrogate."""
    raw = json.dumps(order_body)[:-1] + ', "client_order_id": "ok-\\ud83d\\ude00"}'
    assert alice.request("POST", "/portfolio/orders", raw=raw).status_code == 201


@pytest.mark.parametrize("field", ["client_order_id", "ticker", "order_group_id"])
def test_lone_surrogate_is_400(alice, order_body, field):
    """A string holding a lone surrogate ("\\ud800") cannot be stored as UTF-8: 400, nothing placed."""
    raw = json.dumps(order_body)[:-1] + f', "{field}": "\\ud800"}}'
    _error(alice.request("POST", "/portfolio/orders", raw=raw), 400, "bad_request")
    assert not Order.objects.exists()


@pytest.mark.parametrize("where", ["client_order_id", "ticker", "key"])
def test_nul_in_any_string_is_400(alice, order_body, where):
    """A NUL character in any string of the body, value or key, is 400 (PostgreSQL text cannot hold it)."""
    body = {**order_body, "\x00": 1} if where == "key" else {**order_body, where: "a\x00b"}
    _error(alice.request("POST", "/portfolio/orders", raw=json.dumps(body)), 400, "bad_request")
    assert not Order.objects.exists()


@pytest.mark.parametrize("path", ["/portfolio/orders?cursor=%00", "/markets?cursor=a%00b", "/markets/%00"])
def test_nul_in_the_url_is_400(alice, path):
    """A NUL in the path or query string is 400 before any query reaches the database."""
    _error(alice.get(path), 400, "bad_request")


def test_nan_and_infinity_constants_are_400(alice, order_body):
    """NaN and Infinity are not JSON."""
    raw = json.dumps(order_body)[:-1] + ', "buy_max_cost": NaN}'
    _error(alice.request("POST", "/portfolio/orders", raw=raw), 400, "bad_request")


@pytest.mark.parametrize("count_fp", ["1e3", "1E1", "+1.00", " 1.00", "1_0", "١"])
def test_count_fp_takes_only_the_documented_decimal_form(alice, market, count_fp):
    """count_fp "1e3" is not 1,000 contracts: only "10.00"-style decimals are counts."""
    body = {"ticker": market.ticker, "side": "yes", "action": "buy", "yes_price_dollars": "0.1000",
            "count_fp": count_fp}
    _error(alice.post("/portfolio/orders", body), 400)
    assert not Order.objects.exists()


@pytest.mark.parametrize("price", ["1e-1", "0.1e0", "+0.10"])
def test_dollar_prices_take_only_the_documented_decimal_form(alice, market, price):
    """yes_price_dollars accepts "0.1000"-style decimals only."""
    body = {"ticker": market.ticker, "side": "yes", "action": "buy", "yes_price_dollars": price, "count": 1}
    _error(alice.post("/portfolio/orders", body), 400)


@pytest.mark.parametrize("limit", ["1_0", "１０", " 5"])
def test_query_integers_are_ascii_digits(alice, limit):
    """?limit=1_0 or full-width digits are not integers (Python's int() would take them)."""
    _error(alice.get(f"/portfolio/orders?limit={limit}"), 400)


def test_v1_order_type_is_validated(alice, order_body):
    """V1 `type` is limit or market; anything else is 400 invalid_parameters."""
    _error(alice.post("/portfolio/orders", {**order_body, "type": "stop"}), 400, "invalid_parameters")
    assert alice.post("/portfolio/orders", {**order_body, "type": "limit"}).status_code == 201


def test_multipart_body_is_400_with_a_body(alice):
    """A multipart form is not an API body: 400 in Kalshi's shape."""
    response = alice.client.post("/trade-api/v2/portfolio/orders", data={"ticker": "X", "count": "1"})
    _error(response, 400, "bad_request")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_non_get_to_an_unknown_path_is_a_json_404(method):
    """An unknown /trade-api/v2 path is a JSON 404 whatever the method (not a CSRF 403 HTML page)."""
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)("/trade-api/v2/no/such/thing", data="{}", content_type="application/json")
    _error(response, 404, "not_found")


def test_encoded_newline_in_the_path_is_a_json_404():
    """A path with an encoded newline is a JSON 404, not Django's page listing the URL patterns."""
    _error(Client().get("/trade-api/v2/markets%0a"), 404, "not_found")


def test_bad_host_header_is_a_json_400(settings):
    """A Host outside ALLOWED_HOSTS is a JSON 400 even with DEBUG on (no debug page with the settings)."""
    settings.DEBUG = True
    _error(Client().get("/trade-api/v2/markets", HTTP_HOST="evil.example"), 400, "bad_request")


def test_csrf_failure_under_the_api_is_json(trader):
    """A session-cookie POST to a Django view under /trade-api/ without a CSRF token is refused in JSON."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(trader)
    response = client.post("/trade-api/v2/portfolio/orders", data="{}", content_type="application/json")
    _error(response, 403)
