"""Unmodified Kalshi clients against the real server: kalshi-python-sync 3.2 and 3.34, pykalshi."""

import json
import os
import subprocess
from pathlib import Path

import pytest
from kalshi_python_sync import Configuration, KalshiClient
from kalshi_python_sync.exceptions import ApiException, NotFoundException

from exchange import services
from exchange.engine.units import count_from_contracts, price_from_cents
from tests.support.factories import make_api_key, make_market, make_user

pytestmark = [pytest.mark.sdk, pytest.mark.django_db(transaction=True)]
HERE = Path(__file__).resolve().parent


def sdk32(url: str, key, private_pem: str) -> KalshiClient:
    config = Configuration(host=f"{url}/trade-api/v2")
    config.api_key_id = str(key.key_id)
    config.private_key_pem = private_pem
    return KalshiClient(config)


def rest_ask(user, ticker: str, cents: int, contracts: int) -> None:
    services.order_create(user=user, request=services.OrderRequest(
        ticker=ticker, side="yes", action="sell", yes_price=price_from_cents(cents),
        count=count_from_contracts(contracts)))


def test_sdk32_v1_order_lifecycle(legacy_server_url):
    """kalshi-python-sync 3.2 against the API of its day (before 2026): create, get, list, amend, decrease,
    cancel, batch, balance, positions, fills."""
    live_server_url = legacy_server_url
    alice, bob = make_user(), make_user()
    market = make_market()
    client_a = sdk32(live_server_url, *make_api_key(alice))
    client_b = sdk32(live_server_url, *make_api_key(bob))

    created = client_a.create_order(ticker=market.ticker, side="yes", action="buy", count=10, yes_price=40,
                                    type="limit", client_order_id="sdk32-a").order
    assert (created.status.value, created.remaining_count, created.yes_price) == ("resting", 10, 40)
    assert client_a.get_order(created.order_id).order.client_order_id == "sdk32-a"
    assert [o.order_id for o in client_a.get_orders(ticker=market.ticker).orders] == [created.order_id]
    amended = client_a.amend_order(created.order_id, ticker=market.ticker, side="yes", action="buy",
                                   client_order_id="sdk32-a", updated_client_order_id="sdk32-b", yes_price=45,
                                   count=12)
    assert (amended.old_order.yes_price, amended.order.yes_price, amended.order.remaining_count) == (40, 45, 12)
    assert client_a.decrease_order(created.order_id, reduce_by=2).order.remaining_count == 10

    sold = client_b.create_order(ticker=market.ticker, side="no", action="buy", count=4, no_price=55).order
    assert (sold.status.value, sold.fill_count) == ("executed", 4)
    fills = client_a.get_fills(ticker=market.ticker).fills
    assert [(f.count, f.yes_price, f.is_taker) for f in fills] == [(4, 45, False)]
    positions = client_a.get_positions().market_positions
    assert [(p.ticker, p.position) for p in positions] == [(market.ticker, 4)]
    assert client_b.get_positions().market_positions[0].position == -4
    balance = client_a.get_balance()
    assert balance.balance < 1_000_000 and balance.portfolio_value > 0

    canceled = client_a.cancel_order(created.order_id)
    assert (canceled.order.status.value, canceled.reduced_by) == ("canceled", 6)
    batch = client_a.batch_create_orders(orders=[
        {"ticker": market.ticker, "side": "yes", "action": "buy", "count": 1, "yes_price": 10},
        {"ticker": market.ticker, "side": "yes", "action": "buy", "count": 1, "yes_price": 11},
    ]).orders
    ids = [item.order.order_id for item in batch]
    cancels = client_a.batch_cancel_orders(ids=ids).orders
    assert [c.reduced_by for c in cancels] == [1, 1]
    queue = client_a.get_portfolio_resting_order_total_value()
    assert queue.total_resting_order_value == 0


def test_sdk32_errors(legacy_server_url):
    """Another user's order is a 404; a wrong key is a 401 the SDK raises as ApiException."""
    live_server_url = legacy_server_url
    alice, bob = make_user(), make_user()
    market = make_market()
    client_a = sdk32(live_server_url, *make_api_key(alice))
    order_id = client_a.create_order(ticker=market.ticker, side="yes", action="buy", count=1,
                                     yes_price=5).order.order_id
    with pytest.raises(NotFoundException):
        sdk32(live_server_url, *make_api_key(bob)).get_order(order_id)
    key, _ = make_api_key(alice)
    _, other_pem = make_api_key(bob)
    with pytest.raises(ApiException) as raised:
        sdk32(live_server_url, key, other_pem).get_balance()
    assert raised.value.status == 401


def test_sdk32_v1_writes_are_gone_today(live_server_url):
    """kalshi-python-sync 3.2 against today's API: V1 creates and cancels answer 410
    deprecated_v1_order_endpoint, while its V1 reads (orders, fills) still work.

    Evidence: production's 410 body {"code":"deprecated_v1_order_endpoint","message":"Please switch to the V2
    endpoints","details":"https://docs.kalshi.com/api-reference/orders/create-order-v2"} for POST and DELETE
    /portfolio/orders, with GET /portfolio/orders still 200 (a public bot's demo captures of 2026-09-08/09,
    claims K-TR-OBS-06/11/30; GitHub clewvu/my-project docs/HANDOFF.md "GET /portfolio/orders and GET
    /portfolio/fills still work", verified against production 2026-09-04); changelog entry of 2026-06-18,
    "Legacy order mutation endpoints deprecated" (GitHub PoorRican/kalshi-fast-rs CHANGELOG.md).
    """
    alice = make_user()
    market = make_market()
    client = sdk32(live_server_url, *make_api_key(alice))
    with pytest.raises(ApiException) as raised:
        client.create_order(ticker=market.ticker, side="yes", action="buy", count=1, yes_price=5, type="limit")
    assert raised.value.status == 410
    assert json.loads(raised.value.body)["error"]["code"] == "deprecated_v1_order_endpoint"
    resting = services.order_create(user=alice, request=services.OrderRequest(
        ticker=market.ticker, side="yes", action="buy", yes_price=price_from_cents(5),
        count=count_from_contracts(1)))
    with pytest.raises(ApiException) as raised:
        client.cancel_order(str(resting.id))
    assert raised.value.status == 410
    assert client.get_fills(ticker=market.ticker).fills == []


def test_sdk334_v2_orders_and_strict_models(live_server_url, tmp_path):
    """kalshi-python-sync 3.34 (own virtualenv): V2 writes and strict validation of portfolio models."""
    python = os.environ.get("KALSHI_SDK334_PYTHON")
    if not python:
        pytest.skip("KALSHI_SDK334_PYTHON is not set (scripts/test sets it to .venv-sdk334/bin/python)")
    user, maker = make_user(), make_user()
    market = make_market()
    rest_ask(maker, market.ticker, 55, 2)
    key, _ = make_api_key(user, directory=tmp_path)
    env = dict(os.environ, KALSHI_HOST=f"{live_server_url}/trade-api/v2", KALSHI_KEY_ID=str(key.key_id),
               KALSHI_KEY_FILE=str(tmp_path / f"{key.key_id}.pem"), KALSHI_TICKER=market.ticker)
    done = subprocess.run([python, str(HERE / "sdk334_trading.py")], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["taker"] == {"fill_count": "2.00", "remaining_count": "0.00", "average_fill_price": "0.5500"}
    assert (out["amended_remaining"], out["decreased_remaining"]) == ("6.00", "5.00")
    assert out["order"] == {"status": "resting", "book_side": "bid", "outcome_side": "yes",
                            "yes_price_dollars": "0.2100", "remaining_count_fp": "5.00"}
    assert (out["queue_position_fp"], out["canceled_reduced_by"]) == ("0.00", "5.00")
    assert out["batch"][0]["error"] is None and out["batch"][1]["error"] == "market_not_found"
    assert out["batch_cancel"] == ["1.00"]
    assert out["resting_after_cancel_all"] == 0
    assert out["fills"] == [{"count_fp": "2.00", "yes_price_dollars": "0.5500", "book_side": "bid",
                             "fee_cost": out["fills"][0]["fee_cost"]}]
    assert out["positions"] == [{"ticker": market.ticker, "position_fp": "2.00"}]
    assert out["event_positions"] == [market.event.event_ticker]
    assert out["resting_value"] == 0


def test_pykalshi_places_and_cancels(live_server_url, tmp_path):
    """pykalshi 2.0 places a V2 order and cancels it with a generated RSA key file."""
    from pykalshi import Action, Side
    from pykalshi import KalshiClient as PyKalshi
    user = make_user()
    market = make_market()
    key, _ = make_api_key(user, directory=tmp_path)
    with PyKalshi(api_key_id=str(key.key_id), private_key_path=str(tmp_path / f"{key.key_id}.pem"),
                  api_base=f"{live_server_url}/trade-api/v2", max_retries=0) as client:
        order = client.portfolio.place_order(market.ticker, Action.BUY, Side.NO, "3.00", no_price_dollars="0.3000",
                                             buy_max_cost_dollars=None)
        assert order.status.value == "resting"
        fetched = client.portfolio.get_order(order.order_id)
        assert (fetched.book_side.value, fetched.yes_price_dollars) == ("ask", "0.7000")
        canceled = client.portfolio.cancel_order(order.order_id)
        assert canceled.status.value == "canceled"
        assert client.portfolio.get_order(order.order_id).status.value == "canceled"
        assert client.portfolio.get_balance().balance == 1_000_000
