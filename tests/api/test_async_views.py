"""The asynchronous order-entry view answers byte for byte as DRF's own dispatch and rendering of the same
handlers: status, every header and the body, for acceptances and for each kind of refusal."""

import re

import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction
from django.urls import include, path
from rest_framework.test import APIClient

from exchange.api.trading.base import TradingView
from exchange.api.trading.orders_v2 import EventOrderAmend, EventOrderDecrease, EventOrderDetail, EventOrders
from tests.support.factories import make_api_key
from tests.support.signed_client import SignedClient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits"),
              pytest.mark.urls("tests.api.test_async_views")]

ASYNC_PATH = "/portfolio/events/orders"
REFERENCE_PATH = "/reference/events/orders"


def _reference(view: type) -> type:
    """`view`'s own handlers under DRF's synchronous dispatch and rendering."""
    handlers = {name: _sync(getattr(view, name)) for name in ("get", "post", "delete") if name in vars(view)}
    return type(f"Reference{view.__name__}", (TradingView,), {"route": view.route, **handlers})


def _sync(handler):
    if not iscoroutinefunction(handler):
        return handler

    def call(self, *args, **kwargs):
        return async_to_sync(handler)(self, *args, **kwargs)

    return call


urlpatterns = [
    path(f"trade-api/v2{REFERENCE_PATH}", _reference(EventOrders).as_view()),
    path(f"trade-api/v2{REFERENCE_PATH}/<str:order_id>", _reference(EventOrderDetail).as_view()),
    path(f"trade-api/v2{REFERENCE_PATH}/<str:order_id>/amend", _reference(EventOrderAmend).as_view()),
    path(f"trade-api/v2{REFERENCE_PATH}/<str:order_id>/decrease", _reference(EventOrderDecrease).as_view()),
    path("trade-api/v2/", include("exchange.api.urls")),
]

# What differs between two acceptances of equal orders: the ids and the time.
_VARYING = re.compile(rb'"(order_id|client_order_id|ts_ms)":("[^"]*"|\d+)')


def _wire(response) -> tuple[int, dict, bytes]:
    return response.status_code, dict(response.items()), _VARYING.sub(rb'"\1":*', response.content)


def _order(market, **fields) -> dict:
    return {"ticker": market.ticker, "side": "bid", "price": "0.4000", "count": "1.00",
            "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross", **fields}


def _both(send) -> tuple:
    """`send(path)` against the asynchronous view and the reference, as comparable wire answers."""
    return _wire(send(ASYNC_PATH)), _wire(send(REFERENCE_PATH))


@pytest.mark.parametrize(("case", "status"), [
    ("placed", 201), ("placed-with-client-order-id", 201), ("invalid-price", 400), ("missing-time-in-force", 400),
    ("unknown-market", 404), ("not-json", 400), ("not-an-object", 400), ("method-not-allowed", 405),
    ("cancel-all", 204),
])
def test_signed_answers_match_drfs(alice, market, case, status):
    """Signed requests: acceptances and refusals render identically."""
    send = {
        "placed": lambda p: alice.post(p, _order(market)),
        "placed-with-client-order-id": lambda p: alice.post(p, _order(market, client_order_id=p.split("/")[1])),
        "invalid-price": lambda p: alice.post(p, _order(market, price="1.5000")),
        "missing-time-in-force": lambda p: alice.post(p, {k: v for k, v in _order(market).items()
                                                          if k != "time_in_force"}),
        "unknown-market": lambda p: alice.post(p, _order(market, ticker="NOPE")),
        "not-json": lambda p: alice.post(p, raw="{"),
        "not-an-object": lambda p: alice.post(p, [1, 2]),
        "method-not-allowed": lambda p: alice.put(p, _order(market)),
        "cancel-all": lambda p: alice.delete(p),
    }[case]
    mine, reference = _both(send)
    assert mine[0] == status
    assert mine == reference


def test_a_duplicate_client_order_id_is_refused_alike(alice, market):
    """A client_order_id already used is the same 409 from both."""
    alice.post(ASYNC_PATH, _order(market, client_order_id="dup"))
    mine, reference = _both(lambda p: alice.post(p, _order(market, client_order_id="dup")))
    assert mine[0] == 409
    assert mine == reference


@pytest.mark.parametrize("case", ["bad-signature", "unknown-key", "expired", "missing-signature", "unsigned"])
def test_authentication_refusals_match_drfs(alice, market, case):
    """Refused signatures and missing credentials: the same 401 body and challenge header."""
    from uuid import uuid4

    def send(p):
        sign = {"bad-signature": {"signed_path": "/elsewhere"}, "unknown-key": {"key_id": str(uuid4())},
                "expired": {"timestamp_ms": 1}}.get(case, {})
        if case == "unsigned":
            return SignedClient().post(p, _order(market))
        if case == "missing-signature":
            headers = alice.headers("POST", p)
            del headers["HTTP_KALSHI_ACCESS_SIGNATURE"]
            return alice.client.post("/trade-api/v2" + p, _order(market), format="json", **headers)
        return alice.post(p, _order(market), **sign)

    mine, reference = _both(send)
    assert mine[0] == 401
    assert mine == reference


def test_a_read_only_key_is_refused_alike(trader, market):
    """A key without the write scope gets the same 403 from both."""
    reader = SignedClient(*make_api_key(trader, scopes=["read"]))
    mine, reference = _both(lambda p: reader.post(p, _order(market)))
    assert mine[0] == 403
    assert mine == reference


def test_a_session_needs_csrf_alike(trader, market):
    """A logged-in session without its CSRF token gets the same 403 from both; with a forced login the order
    is placed by both."""
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(trader)
    mine, reference = _both(lambda p: browser.post("/trade-api/v2" + p, _order(market), format="json"))
    assert mine[0] == 403
    assert mine == reference
    forced = APIClient()
    forced.force_authenticate(trader)
    mine, reference = _both(lambda p: forced.post("/trade-api/v2" + p, _order(market), format="json"))
    assert mine[0] == 201
    assert mine == reference


def _resting(client, market) -> str:
    response = client.post(ASYNC_PATH, _order(market, count="5.00"))
    assert response.status_code == 201, response.content
    return response.json()["order_id"]


@pytest.mark.parametrize(("case", "status"), [
    ("cancel", 200), ("amend", 200), ("decrease", 200), ("cancel-unknown", 404), ("amend-mismatched", 400),
])
def test_order_changes_match_drfs(alice, market, case, status):
    """Cancel, amend and decrease of a resting order, and their refusals, render identically."""
    def send(base):
        order_id = _resting(alice, market)
        return {
            "cancel": lambda: alice.delete(f"{base}/{order_id}"),
            "amend": lambda: alice.post(f"{base}/{order_id}/amend", {"ticker": market.ticker, "side": "bid",
                                                                      "price": "0.4100", "count": "5.00"}),
            "decrease": lambda: alice.post(f"{base}/{order_id}/decrease", {"reduce_by": "2.00"}),
            "cancel-unknown": lambda: alice.delete(f"{base}/00000000-0000-0000-0000-000000000000"),
            "amend-mismatched": lambda: alice.post(f"{base}/{order_id}/amend", {"ticker": market.ticker, "side": "ask",
                                                                                "price": "0.4100", "count": "5.00"}),
        }[case]()

    mine, reference = _both(send)
    assert mine[0] == status
    assert mine == reference
