"""API keys cached in the server process: no database read per signed request, and revocation that holds."""

import http.client
import json
import time
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchange.api.key_cache import API_KEYS, ApiKeyCache
from exchange.models import ApiKey
from exchange.services.api_keys import api_key_delete
from exchange.signing import sign_rsa_pss
from tests.support.factories import make_api_key, make_user
from tests.support.servers import daphne_server

pytestmark = pytest.mark.usefixtures("no_rate_limits")


def _auth_error(response) -> tuple[int, str | None]:
    return response.status_code, response.json()["error"].get("details")


@pytest.mark.django_db
def test_a_cached_key_is_not_read_from_the_database(alice):
    """Once a key has authenticated a request, the next request signed with it reads no key row."""
    assert alice.get("/portfolio/balance").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert alice.get("/portfolio/balance").status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "exchange_apikey" in q["sql"]]


@pytest.mark.django_db
def test_a_revoked_key_is_refused_at_once_by_the_revoking_process(alice):
    """DELETE /api_keys/{id} in this process drops the cached key: its very next request is refused."""
    assert alice.get("/portfolio/balance").status_code == 200
    assert alice.delete(f"/api_keys/{alice.key.key_id}").status_code == 204
    assert _auth_error(alice.get("/portfolio/balance")) == (401, "NOT_FOUND")


@pytest.mark.django_db
def test_a_deactivated_user_is_refused_at_once(alice, trader):
    """Deactivating a key's user in this process refuses the cached key's next request."""
    assert alice.get("/portfolio/balance").status_code == 200
    trader.is_active = False
    trader.save()
    assert _auth_error(alice.get("/portfolio/balance")) == (401, "NOT_FOUND")


@pytest.mark.django_db
def test_a_scope_change_applies_at_once(alice, market):
    """A key made read-only in this process is refused a write on its next request."""
    assert alice.get("/portfolio/balance").status_code == 200
    key = ApiKey.objects.get(pk=alice.key.key_id)
    key.scopes = [ApiKey.Scope.READ.value]
    key.save()
    response = alice.post("/portfolio/events/orders", {"ticker": market.ticker, "side": "bid", "price": "0.5000",
                                                       "count": "1.00", "time_in_force": "good_till_canceled",
                                                       "self_trade_prevention_type": "taker_at_cross"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_an_entry_is_trusted_for_its_time_to_live_only(api_key, settings):
    """A change the cache was not told of (another process's) shows once the entry's time to live ends."""
    now = [1000.0]
    cache = ApiKeyCache(clock=lambda: now[0])
    key, _ = api_key
    assert cache.load(key.key_id).scopes == tuple(key.scopes)
    ApiKey.objects.filter(pk=key.pk).update(scopes=["read"])  # no signal: as if another process did it
    now[0] += settings.EXCHANGE["API_KEY_CACHE_S"] - 0.5
    assert cache.load(key.key_id).can_write()
    now[0] += 1
    assert not cache.load(key.key_id).can_write()


@pytest.mark.django_db
def test_a_read_racing_a_revocation_does_not_store_the_old_row(api_key, monkeypatch):
    """A key row read while the key is being revoked is used for that request only, never cached."""
    key, _ = api_key
    cache = ApiKeyCache()
    read = cache._read

    def read_then_revoke(key_id):
        row = read(key_id)
        cache.drop(key_id=key_id)  # the revocation lands between the read and the store
        return row

    monkeypatch.setattr(cache, "_read", read_then_revoke)
    assert cache.load(key.key_id) is not None
    assert cache.cached(key.key_id) is None


@pytest.mark.django_db(transaction=True)
def test_a_key_revoked_in_another_process_is_refused_within_the_cache_lifetime():
    """A server process that cached a key refuses it once API_KEY_CACHE_S has passed since another process
    revoked it (the documented bound)."""
    ttl = 1
    user = make_user("revoker")
    key, pem = make_api_key(user)
    path = "/trade-api/v2/portfolio/balance"

    def signed_get(base: str) -> tuple[int, str | None]:
        timestamp = str(int(time.time() * 1000))
        headers = {"KALSHI-ACCESS-KEY": str(key.key_id), "KALSHI-ACCESS-TIMESTAMP": timestamp,
                   "KALSHI-ACCESS-SIGNATURE": sign_rsa_pss(pem, f"{timestamp}GET{path}".encode())}
        conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = json.loads(response.read())
        finally:
            conn.close()
        return response.status, body.get("error", {}).get("details")

    with daphne_server(API_KEY_CACHE_S=str(ttl), RATE_LIMITS_ENABLED="0") as base:
        assert signed_get(base) == (200, None)
        api_key_delete(user=user, key_id=str(key.key_id))
        time.sleep(ttl)
        assert signed_get(base) == (401, "NOT_FOUND")


@pytest.fixture(autouse=True)
def _fresh_cache():
    API_KEYS.clear()
    yield
    API_KEYS.clear()

