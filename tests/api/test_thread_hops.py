"""Order entry on Django's asynchronous stack: a signed request hops to a thread for nothing but Django's
request signals and the command itself (in the inline mode the suite runs; the sequencer's thread mode
takes that hop away too)."""

import json
import time

import pytest
from asgiref.sync import SyncToAsync, async_to_sync
from django.test import AsyncClient

from exchange.signing import sign_rsa_pss

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]

ORDERS = "/trade-api/v2/portfolio/events/orders"


def test_a_signed_order_create_hops_only_for_signals_and_the_command(api_key, market, monkeypatch):
    """No middleware hook, key lookup, view or rendering runs through sync_to_async for a signed create whose
    key is cached: the hops left are Django's request_started signal, closing the response (which sends
    request_finished), and the command."""
    key, pem = api_key
    client = AsyncClient()  # Django's asynchronous handler and middleware chain, as under daphne

    def create(client_order_id: str) -> tuple[int, bytes]:
        timestamp = str(int(time.time() * 1000))
        headers = {"KALSHI-ACCESS-KEY": str(key.key_id), "KALSHI-ACCESS-TIMESTAMP": timestamp,
                   "KALSHI-ACCESS-SIGNATURE": sign_rsa_pss(pem, f"{timestamp}POST{ORDERS}".encode())}
        body = json.dumps({"ticker": market.ticker, "side": "bid", "price": "0.4000", "count": "1.00",
                           "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross",
                           "client_order_id": client_order_id})
        response = async_to_sync(client.post)(ORDERS, body, content_type="application/json", headers=headers)
        return response.status_code, response.content

    assert create("warm")[0] == 201  # reads the key into the cache
    hops: list[str] = []
    hop = SyncToAsync.__call__

    def recording(self, *args, **kwargs):
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return hop(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", recording)
    status, body = create("measured")
    assert status == 201, body
    assert sorted(hops) == ["HttpResponseBase.close", "Signal.asend.<locals>.sync_send", "execute"], hops
