"""/marketdata/health reports the relay's lag behind the outbox and fails when it is too far behind."""

from datetime import timedelta

import pytest
from django.utils import timezone

from exchange.models import MarketEvent
from exchange.outbox.cursors import cursor_save
from marketdata.models import RelayStatus
from tests.services.conftest import place

pytestmark = pytest.mark.django_db


def test_health_is_unavailable_before_the_relay_has_started(client):
    """No cursor: nothing has ever been relayed."""
    response = client.get("/marketdata/health")
    assert response.status_code == 503 and response.json()["reason"] == "the relay has not started"


def test_health_is_ok_when_the_relay_is_at_the_newest_event(client, trader, market):
    """Lag zero, and the relay's own rate and totals are reported."""
    place(trader, market.ticker, "yes", "buy", 40, 1)
    newest = MarketEvent.objects.order_by("-id").first().id
    cursor_save("kafka-relay", newest)
    RelayStatus.objects.create(name="kafka-relay", relayed=5, events_per_s=120)
    body = client.get("/marketdata/health").json()
    assert body["status"] == "ok"
    assert (body["unrelayed"], body["oldest_unrelayed_ms"], body["events_per_s"], body["relayed"]) == (0, 0, 120, 5)


def test_health_fails_when_the_oldest_unrelayed_event_is_older_than_the_limit(client, trader, market, settings):
    """The age of the oldest event above the cursor is the lag."""
    settings.MARKETDATA = {**settings.MARKETDATA, "MAX_LAG_MS": 5_000}
    RelayStatus.objects.create(name="kafka-relay")
    place(trader, market.ticker, "yes", "buy", 40, 1)
    MarketEvent.objects.update(created_at=timezone.now() - timedelta(seconds=6))
    response = client.get("/marketdata/health")
    body = response.json()
    assert response.status_code == 503
    assert body["unrelayed"] == MarketEvent.objects.count() and body["oldest_unrelayed_ms"] >= 6_000


def test_the_admin_lists_each_relay_with_its_lag(admin_client, trader, market):
    """The changelist shows the outbox position and the unrelayed count beside the relay's totals."""
    place(trader, market.ticker, "yes", "buy", 40, 1)
    total = MarketEvent.objects.count()
    cursor_save("kafka-relay", MarketEvent.objects.order_by("id").first().id)
    RelayStatus.objects.create(name="kafka-relay", relayed=7)
    response = admin_client.get("/admin/marketdata/relaystatus/")
    assert response.status_code == 200
    cells = response.content.decode()
    assert f'<td class="field-unrelayed">{total - 1}</td>' in cells and '<td class="field-relayed">7</td>' in cells
