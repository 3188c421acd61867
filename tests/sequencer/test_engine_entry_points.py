"""Entry points with ENGINE_URL: the sequencer's functions go to the engine process, daphne's REST orders
land through `runengine`, and REST and pages answer 503 while the engine is unreachable."""

import asyncio
import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.urls import path, reverse
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from exchange import sequencer
from exchange.models import Order
from exchange.sequencer import EngineUnavailable
from exchange.signing import sign_rsa_pss
from tests.fix.keys import fix_key
from tests.fix.raw_client import RawClient
from tests.fix.test_session_layer import order as fix_order
from tests.support.engine import SECRET, Engine
from tests.support.factories import make_api_key, make_market, make_user
from tests.support.invariants import assert_invariants, total_money
from tests.support.servers import daphne_server, free_port, running, test_database_env

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


def test_fix_orders_go_through_the_engine_process(tmp_path: Path):
    """runfix started with ENGINE_URL places a FIX order through runengine from its event loop: the order
    rests and its ExecutionReport comes back on the session."""
    market = make_market("ENG-FIX")
    user = make_user("engine-fix")
    key, pem = fix_key(user)
    engine = Engine(tmp_path)
    engine.start()
    ports = {name: free_port() for name in ("nr", "rt", "dc", "pt")}
    args = ["manage.py", "runfix"] + [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    env = test_database_env(SECRET_KEY=SECRET, ENGINE_URL=engine.url)
    try:
        with running(args, port=ports["nr"], env=env, log_name="runfix"):
            client = RawClient(ports["nr"], str(key.key_id), pem, "KalshiNR")
            try:
                assert client.logon().msg_type == "A"
                client.send("D", fix_order(market.ticker, "via-engine", price="62", qty="2"))
                new = client.expect("8")
                assert (new.get(150), new.get(39)) == ("0", "0"), new
            finally:
                client.close()
    finally:
        engine.stop()
    placed = Order.objects.get(pk=new.get(37))
    assert (placed.source, placed.status, placed.client_order_id) == ("fix", Order.Status.RESTING, "via-engine")


def test_entry_points_go_to_the_engine_when_engine_url_is_set(settings):
    """With ENGINE_URL naming an engine that is not there, execute, execute_many and aexecute fail with
    EngineUnavailable instead of running the command here; without it, they run here."""
    assert isinstance(sequencer.execute("ping"), int)
    settings.ENGINE_URL = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(EngineUnavailable):
        sequencer.execute("ping")
    with pytest.raises(EngineUnavailable):
        sequencer.execute_many([("ping", {})])
    with pytest.raises(EngineUnavailable):
        asyncio.run(sequencer.aexecute("ping"))


@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def _submits(request):
    return Response({"engine_time": sequencer.execute("ping")})


urlpatterns = [path("trade-api/v2/submits", _submits)]


def test_a_rest_request_the_engine_cannot_answer_is_a_503_in_kalshi_shape(client, settings, db):
    """A view whose command cannot reach the engine answers 503 service_unavailable, not a 500."""
    client.raise_request_exception = False
    settings.ROOT_URLCONF = __name__
    settings.ENGINE_URL = f"tcp://127.0.0.1:{free_port()}"
    response = client.post("/trade-api/v2/submits", {}, content_type="application/json")
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "service_unavailable"
    assert "retry" in response.json()["error"]["message"]


def test_a_page_whose_command_cannot_reach_the_engine_is_a_503(client, settings, db):
    """The order ticket's POST, with the engine gone, answers 503 (retry), not Django's 500 page."""
    client.raise_request_exception = False
    market = make_market("ENG-PAGE")
    client.force_login(make_user("engine-page"))
    settings.ENGINE_URL = f"tcp://127.0.0.1:{free_port()}"
    response = client.post(reverse("pages:order-place", args=[market.ticker]),
                           {"side": "yes", "action": "buy", "price": "40", "count": "1"})
    assert response.status_code == 503, response.content
    assert b"retry" in response.content


def test_a_fix_order_the_engine_cannot_take_is_rejected_and_the_session_lives(tmp_path: Path):
    """runfix with an ENGINE_URL nobody answers: the NewOrderSingle gets an ExecutionReport rejected
    (150=8, 39=8) with the reason, and the session still answers a TestRequest."""
    market = make_market("ENG-FIX-DOWN")
    user = make_user("engine-fix-down")
    key, pem = fix_key(user)
    ports = {name: free_port() for name in ("nr", "rt", "dc", "pt")}
    args = ["manage.py", "runfix"] + [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    env = test_database_env(SECRET_KEY=SECRET, ENGINE_URL=f"tcp://127.0.0.1:{free_port()}", ENGINE_TIMEOUT_S="5")
    with running(args, port=ports["nr"], env=env, log_name="runfix"):
        client = RawClient(ports["nr"], str(key.key_id), pem, "KalshiNR")
        try:
            assert client.logon().msg_type == "A"
            client.send("D", fix_order(market.ticker, "engine-down", price="62", qty="2"))
            rejected = client.expect("8")
            assert (rejected.get(150), rejected.get(39), rejected.get(11)) == ("8", "8", "engine-down"), rejected
            assert "unavailable" in rejected.get(58)
            client.send("1", [(112, "still-there")])
            assert client.expect("0").get(112) == "still-there"
        finally:
            client.close()
    assert not Order.objects.filter(client_order_id="engine-down").exists()
