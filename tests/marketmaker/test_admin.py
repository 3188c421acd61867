"""Django admin for MarketMakerConfig: listed, editable, and refusing a band narrower than the spread."""

import pytest

from marketmaker.models import MarketMakerConfig
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = make_user("root", dollars=0)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


def form(config, **changes) -> dict:
    data = {"market": config.market_id, "user": config.user_id, "enabled": "on", "levels": 3,
            "level_spacing_cents": 1, "spread_cents": 10, "size_contracts": 100, "price_min_cents": 33,
            "price_max_cents": 67, "inventory_limit_contracts": 1000, "fair_value_cents": "",
            "walk_step_cents": 2, "interval_ms": 3000}
    data.update(changes)
    return data


def test_admin_lists_and_edits_a_config(staff_client, config):
    """The changelist shows the market, and saving the form changes the quoting parameters."""
    assert config.market.ticker in staff_client.get("/admin/marketmaker/marketmakerconfig/").content.decode()
    url = f"/admin/marketmaker/marketmakerconfig/{config.pk}/change/"
    response = staff_client.post(url, form(config, spread_cents=4, levels=5))
    assert response.status_code == 302
    config.refresh_from_db()
    assert (config.spread_cents, config.levels) == (4, 5)


def test_admin_refuses_a_band_narrower_than_the_spread(staff_client, config):
    """A price band narrower than the spread is a form error, and nothing is saved."""
    url = f"/admin/marketmaker/marketmakerconfig/{config.pk}/change/"
    response = staff_client.post(url, form(config, price_min_cents=45, price_max_cents=50))
    assert response.status_code == 200
    assert "at least as wide as the spread" in response.content.decode()
    assert MarketMakerConfig.objects.get(pk=config.pk).price_min_cents == 33
