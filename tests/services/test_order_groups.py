"""Order groups: a rolling contracts limit that cancels the group's orders when reached."""

import pytest

from exchange import services
from exchange.engine.rejects import RejectCode
from exchange.models import Order, OrderGroup
from exchange.services import ExchangeError
from tests.services.conftest import place


@pytest.mark.django_db(transaction=True)
def test_hitting_the_limit_triggers_the_group_and_cancels_its_orders(trader, trader2, market):
    """Fills reaching the contracts limit cancel every resting order of the group."""
    group = services.order_group_create(user=trader, contracts_limit=300)
    place(trader, market.ticker, "yes", "buy", 40, 3, order_group_id=str(group.pk))
    other = place(trader, market.ticker, "yes", "buy", 30, 5, order_group_id=str(group.pk))
    place(trader2, market.ticker, "yes", "sell", 40, 3)
    group.refresh_from_db()
    other.refresh_from_db()
    assert group.is_triggered and other.status == "canceled"
    with pytest.raises(ExchangeError) as error:
        place(trader, market.ticker, "yes", "buy", 30, 1, order_group_id=str(group.pk))
    assert error.value.code is RejectCode.ORDER_GROUP_LIMIT
    services.order_group_reset(user=trader, group_id=str(group.pk))
    assert place(trader, market.ticker, "yes", "buy", 30, 1, order_group_id=str(group.pk)).status == "resting"


@pytest.mark.django_db
def test_trigger_and_delete_cancel_resting_orders(trader, market):
    """Manual trigger and delete both cancel the group's orders."""
    group = services.order_group_create(user=trader, contracts_limit=1_000)
    place(trader, market.ticker, "yes", "buy", 40, 1, order_group_id=str(group.pk))
    services.order_group_trigger(user=trader, group_id=str(group.pk))
    assert not Order.objects.filter(status="resting").exists()
    services.order_group_delete(user=trader, group_id=str(group.pk))
    assert OrderGroup.objects.get(pk=group.pk).is_deleted
    with pytest.raises(ExchangeError):
        services.order_group_trigger(user=trader, group_id=str(group.pk))


@pytest.mark.django_db
def test_other_users_group_is_not_found(trader, trader2):
    """Order groups are private to their owner."""
    group = services.order_group_create(user=trader, contracts_limit=100)
    with pytest.raises(ExchangeError) as error:
        services.order_group_reset(user=trader2, group_id=str(group.pk))
    assert error.value.code is RejectCode.ORDER_GROUP_NOT_FOUND
