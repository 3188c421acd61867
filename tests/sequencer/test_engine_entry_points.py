"""Entry points with ENGINE_URL: the sequencer's functions go to the engine process, daphne's REST orders
land through `runengine`, and REST and pages answer 503 while the engine is unreachable."""

import asyncio
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.urls import path, reverse
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from exchange import sequencer
from exchange.models import Order
from exchange.sequencer import EngineUnavailable
from tests.fix.keys import fix_key
from tests.fix.raw_client import RawClient
from tests.fix.test_session_layer import order as fix_order
from tests.support.engine import SECRET, Engine
from tests.support.factories import make_api_key, make_market, make_user
from tests.support.invariants import assert_invariants, total_money
from tests.support.servers import daphne_server, free_port, running, test_database_env
from tests.support.signed_client import post_v2_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@contextmanager
def fix_session(user, engine_url: str, **env: str):
    """A logged-on KalshiNR session of `user` on a runfix that submits to `engine_url`."""
    key, pem = fix_key(user)
    ports = {name: free_port() for name in ("nr", "rt", "dc", "pt")}
    args = ["manage.py", "runfix"] + [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    with running(args, port=ports["nr"], env=test_database_env(SECRET_KEY=SECRET, ENGINE_URL=engine_url, **env),
                 log_name="runfix"):
        client = RawClient(ports["nr"], str(key.key_id), pem, "KalshiNR")
        try:
            assert client.logon().msg_type == "A"
            yield client
        finally:
            client.close()


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
            status, body = post_v2_order(url, key, pem, market.ticker, "before")
            assert status == 201, body
            engine.kill()
            status, body = post_v2_order(url, key, pem, market.ticker, "during")
            assert status == 503, body
            assert body["error"]["code"] == "service_unavailable" and body["error"]["message"]
            engine.start()
            status, body = post_v2_order(url, key, pem, market.ticker, "after")
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
    engine = Engine(tmp_path)
    engine.start()
    try:
        with fix_session(user, engine.url) as client:
            client.send("D", fix_order(market.ticker, "via-engine", price="62", qty="2"))
            new = client.expect("8")
            assert (new.get(150), new.get(39)) == ("0", "0"), new
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
    with fix_session(user, f"tcp://127.0.0.1:{free_port()}", ENGINE_TIMEOUT_S="5") as client:
        client.send("D", fix_order(market.ticker, "engine-down", price="62", qty="2"))
        rejected = client.expect("8")
        assert (rejected.get(150), rejected.get(39), rejected.get(11)) == ("8", "8", "engine-down"), rejected
        assert "unavailable" in rejected.get(58)
        client.send("1", [(112, "still-there")])
        assert client.expect("0").get(112) == "still-there"
    assert not Order.objects.filter(client_order_id="engine-down").exists()
