"""The full deployment's order path: daphne started with ENGINE_URL submits REST orders to a separate
`runengine` process, and answers 503 in Kalshi's error shape while that process is down."""

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from exchange.models import Order
from exchange.signing import sign_rsa_pss
from tests.support.engine import SECRET, Engine
from tests.support.factories import make_api_key, make_market, make_user
from tests.support.invariants import assert_invariants, total_money
from tests.support.servers import daphne_server

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORDERS = "/trade-api/v2/portfolio/events/orders"


def _post_order(url: str, key, pem: str, ticker: str, client_order_id: str) -> tuple[int, dict]:
    body = json.dumps({"ticker": ticker, "side": "bid", "price": "0.4000", "count": "1.00",
                       "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross",
                       "client_order_id": client_order_id}).encode()
    timestamp = str(int(time.time() * 1000))
    headers = {"Content-Type": "application/json", "KALSHI-ACCESS-KEY": str(key.key_id),
               "KALSHI-ACCESS-TIMESTAMP": timestamp,
               "KALSHI-ACCESS-SIGNATURE": sign_rsa_pss(pem, f"{timestamp}POST{ORDERS}".encode())}
    request = urllib.request.Request(url + ORDERS, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_rest_orders_go_through_the_engine_process_and_its_outage_is_a_503(tmp_path: Path):
    """Orders posted to daphne land through runengine; while the engine is down they are answered 503
    `service_unavailable` (never a 500) and nothing is written; after it restarts they land again."""
    market = make_market("ENG-REST")
    user = make_user("engine-rest")
    key, pem = make_api_key(user)
    money = total_money()
    engine = Engine(tmp_path)
    engine.start()
    try:
        with daphne_server(SECRET_KEY=SECRET, ENGINE_URL=engine.url, RATE_LIMITS_ENABLED="0") as url:
            status, body = _post_order(url, key, pem, market.ticker, "before")
            assert status == 201, body
            engine.kill()
            status, body = _post_order(url, key, pem, market.ticker, "during")
            assert status == 503, body
            assert body["error"]["code"] == "service_unavailable" and body["error"]["message"]
            engine.start()
            status, body = _post_order(url, key, pem, market.ticker, "after")
            assert status == 201, body
    finally:
        engine.stop()
    placed = sorted(Order.objects.filter(user=user).values_list("client_order_id", flat=True))
    assert placed == ["after", "before"]
    assert_invariants([market.ticker], money=money)
