"""Bad input never produces a 500: malformed JSON, wrong types, huge numbers, bad ids."""

import pytest

from tests.support.signed_client import SignedClient

# V1 order writes and the legacy integer fields are what these tests exercise: the API before 2026.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits", "legacy_api")]

WRITES = [
    ("POST", "/portfolio/orders"), ("POST", "/portfolio/orders/batched"), ("DELETE", "/portfolio/orders/batched"),
    ("POST", "/portfolio/events/orders"), ("POST", "/portfolio/events/orders/batched"),
    ("DELETE", "/portfolio/events/orders/batched"), ("POST", "/portfolio/order_groups/create"),
    ("POST", "/api_keys"), ("POST", "/api_keys/generate"),
    ("POST", "/portfolio/orders/{id}/amend"), ("POST", "/portfolio/orders/{id}/decrease"),
    ("POST", "/portfolio/events/orders/{id}/amend"), ("POST", "/portfolio/events/orders/{id}/decrease"),
    ("PUT", "/portfolio/order_groups/{id}/limit"),
]
RAW_BODIES = ["{", "[]", "null", "1e999", '"text"', '{"orders": 5}', '{"orders": [null, 1, "x", []]}',
              '{"ids": [1, {"a": 2}]}', '{"orders": [{"order_id": 7}]}', "\u0000", '{"ticker": {"a": 1}}']
FIELD_VALUES = [None, True, -1, 10**40, 1.5, "NaN", "Infinity", "-0.01", "1e3", "", [], {}, "x" * 5000]
ORDER_FIELDS = ["ticker", "side", "action", "count", "count_fp", "yes_price", "no_price", "yes_price_dollars",
                "no_price_dollars", "price", "expiration_ts", "expiration_time", "buy_max_cost", "post_only",
                "reduce_only", "sell_position_floor", "self_trade_prevention_type", "order_group_id",
                "client_order_id", "time_in_force", "subaccount", "reduce_by", "reduce_to", "reduce_by_fp",
                "contracts_limit", "contracts_limit_fp", "name", "public_key", "scopes"]


@pytest.fixture
def alice(trader, market):
    # Signing is covered elsewhere; here the user is forced in so thousands of bodies stay cheap.
    client = SignedClient()
    client.client.force_authenticate(trader)
    order = client.post("/portfolio/orders", {"ticker": market.ticker, "side": "yes", "action": "buy",
                                              "yes_price": 10, "count": 1})
    group = client.post("/portfolio/order_groups/create", {"contracts_limit": 1})
    client.ids = {"order": order.json()["order"]["order_id"], "group": group.json()["order_group_id"]}
    return client


def path_for(alice, template: str) -> str:
    return template.replace("{id}", alice.ids["group" if "order_groups" in template else "order"])


@pytest.mark.parametrize("method, template", WRITES)
def test_malformed_bodies_are_4xx(alice, method, template):
    """Malformed bodies get a 4xx in Kalshi's shape (a batch may instead report an error per item)."""
    for raw in RAW_BODIES:
        response = alice.request(method, path_for(alice, template), raw=raw)
        assert response.status_code < 500, (raw, response.content)
        body = response.json()
        assert "error" in body or all(item["error"] for item in body["orders"]), (raw, body)


@pytest.mark.parametrize("method, template", WRITES)
def test_wrong_field_types_are_not_500(alice, market, method, template):
    """Every field set to every kind of wrong value is refused (or ignored) without a 500."""
    base = {"ticker": market.ticker, "side": "yes", "action": "buy", "yes_price": 10, "count": 1}
    for i, field in enumerate(ORDER_FIELDS):
        # Each field meets a third of the bad values, rotating by endpoint so every pair is covered.
        for value in FIELD_VALUES[(i + WRITES.index((method, template))) % 3::3]:
            response = alice.request(method, path_for(alice, template), {**base, field: value})
            assert response.status_code < 500, (field, value, response.content)


@pytest.mark.parametrize("path", [
    "/portfolio/orders/%00", "/portfolio/orders/../balance", "/portfolio/orders/zzz/queue_position",
    "/portfolio/orders?min_ts=99999999999999999999", "/portfolio/orders?limit=-1",
    "/portfolio/fills?order_id=nope", "/portfolio/positions?limit=x", "/portfolio/order_groups/nope",
    "/portfolio/settlements?max_ts=1e5",
])
def test_bad_ids_and_queries_are_not_500(alice, path):
    """Bad ids and query strings are 4xx."""
    assert 400 <= alice.get(path).status_code < 500
