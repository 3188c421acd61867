"""Per-user token buckets: 429 with Kalshi's body when over the limit, off by setting."""

import pytest

from exchange.api.ratelimit import BUCKETS, Buckets
from tests.support.factories import make_api_key
from tests.support.signed_client import SignedClient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_buckets(monkeypatch):
    """Empty buckets on a clock that stands still, so refills never blur a count."""
    BUCKETS.clear()
    monkeypatch.setattr(BUCKETS, "clock", lambda: 1000.0)
    yield
    BUCKETS.clear()


def test_bucket_refills_at_its_rate():
    """A bucket admits up to its capacity, then refills with time."""
    buckets = Buckets()
    assert all(buckets.take("u", "write", 10, 100, now=0.0) for _ in range(10))
    assert not buckets.take("u", "write", 10, 100, now=0.0)
    assert buckets.take("u", "write", 10, 100, now=0.1)
    assert buckets.take("v", "write", 10, 100, now=0.1), "buckets are per user"


def test_large_batch_runs_the_bucket_into_debt():
    """A cost above capacity is admitted from a full bucket and must be paid back before the next."""
    buckets = Buckets()
    assert buckets.take("u", "write", 200, 100, now=0.0)
    assert not buckets.take("u", "write", 10, 100, now=1.0)
    assert buckets.take("u", "write", 10, 100, now=2.0)


def test_reads_over_the_limit_get_429(settings, api_key):
    """The 21st read in the same instant is refused with {"error": "too many requests"}."""
    settings.EXCHANGE = {**settings.EXCHANGE, "RATE_LIMITS_ENABLED": True, "RATE_LIMIT_TIER": "basic"}
    client = SignedClient(*api_key)
    statuses = [client.get("/portfolio/balance").status_code for _ in range(20)]
    assert statuses == [200] * 20
    response = client.get("/portfolio/balance")
    assert response.status_code == 429
    assert response.json() == {"error": "too many requests"}


def test_429_carries_no_retry_after_or_rate_limit_headers(settings, api_key):
    """Production's 429 has no Retry-After and no rate-limit headers, only the bare body.

    Evidence: "429 has no Retry-After header" (GitHub clewvu/my-project docs/HANDOFF.md, verified against
    production 2026-09-04); "429 responses do not include Retry-After or X-RateLimit-*" (Kalshi's rate-limit
    docs as summarised in a public bot's evidence log, claim K-TR-12).
    """
    settings.EXCHANGE = {**settings.EXCHANGE, "RATE_LIMITS_ENABLED": True, "RATE_LIMIT_TIER": "basic"}
    client = SignedClient(*api_key)
    for _ in range(20):
        client.get("/portfolio/balance")
    response = client.get("/portfolio/balance")
    assert response.status_code == 429
    assert not [name for name in response.headers if name.lower() == "retry-after" or "ratelimit" in name.lower()]


def test_batch_items_are_counted(settings, api_key, market):
    """A batch costs per item (2 tokens per cancel): 20 cancels take 40 of the 100 write tokens."""
    settings.EXCHANGE = {**settings.EXCHANGE, "RATE_LIMITS_ENABLED": True}
    client = SignedClient(*api_key)

    def cancel(n: int) -> int:
        return client.delete("/portfolio/events/orders/batched", {"orders": [{"order_id": "x"}] * n}).status_code

    assert cancel(20) == 200  # 40 tokens
    assert cancel(20) == 200  # 80 tokens
    assert cancel(20) == 429  # 20 left
    assert cancel(10) == 200


def test_disabled_limits_never_429(settings, api_key):
    """RATE_LIMITS_ENABLED off admits everything."""
    settings.EXCHANGE = {**settings.EXCHANGE, "RATE_LIMITS_ENABLED": False}
    client = SignedClient(*api_key)
    assert {client.get("/portfolio/balance").status_code for _ in range(40)} == {200}


def test_users_have_separate_buckets(settings, api_key, trader2):
    """One user's burst does not limit another."""
    settings.EXCHANGE = {**settings.EXCHANGE, "RATE_LIMITS_ENABLED": True}
    first, second = SignedClient(*api_key), SignedClient(*make_api_key(trader2))
    for _ in range(25):
        first.get("/portfolio/balance")
    assert second.get("/portfolio/balance").status_code == 200
