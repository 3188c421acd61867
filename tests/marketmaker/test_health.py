"""GET /marketmaker/health: last tick per market, live quotes, inventory; 503 when a tick is overdue."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketmaker import tasks
from marketmaker.models import MarketMakerConfig

pytestmark = pytest.mark.django_db


def test_unhealthy_before_any_market_is_configured(client):
    """With no market-maker config there is nothing being quoted: 503."""
    response = client.get("/marketmaker/health")
    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"


def test_healthy_after_a_tick_with_quotes_and_inventory(client, config, rng):
    """Right after a tick the market reports its tick time, live quotes and flat inventory."""
    config.last_tick_at = None
    assert tasks.claim(config, timezone.now())
    tasks.tick(config, rng=rng)
    body = client.get("/marketmaker/health").json()
    assert body["status"] == "ok"
    [market] = body["markets"]
    assert market["ticker"] == config.market.ticker
    assert market["quotes_live"] == 6
    assert market["quoted_fp"] == "600.00"
    assert market["inventory"] == 0
    assert market["last_tick_time"] is not None and not market["overdue"]


def test_overdue_tick_reports_unhealthy(client, config):
    """A market whose last tick is more than three intervals old makes the endpoint answer 503."""
    stale = timezone.now() - timedelta(milliseconds=config.interval_ms * 3 + 1000)
    MarketMakerConfig.objects.filter(pk=config.pk).update(last_tick_at=stale)
    response = client.get("/marketmaker/health")
    assert response.status_code == 503
    assert response.json()["markets"][0]["overdue"] is True
    assert config.market.ticker in response.json()["reason"]


def test_disabled_market_is_never_overdue(client, config):
    """A market an admin disabled is listed but does not make the maker unhealthy."""
    MarketMakerConfig.objects.filter(pk=config.pk).update(enabled=False)
    assert client.get("/marketmaker/health").status_code == 200
