"""Cancel, decrease, amend and cancel-all: reservations follow the order and priority rules hold."""

import pytest

from exchange import services
from exchange.engine.rejects import RejectCode
from exchange.models import Order, Trade
from exchange.services import ExchangeError
from tests.services.conftest import account, place

pytestmark = pytest.mark.django_db


def test_cancel_releases_the_reservation(trader, market):
    """Canceling a resting order frees all of its collateral."""
    order = place(trader, market.ticker, "yes", "buy", 40, 10)
    canceled = services.order_cancel(user=trader, order_id=str(order.id))
    assert canceled.status == "canceled" and canceled.remaining_count == 0
    assert account(trader).reserved == 0


def test_cancel_of_another_users_order_is_not_found(trader, trader2, market):
    """Orders are private: another user's id is indistinguishable from an unknown one."""
    order = place(trader, market.ticker, "yes", "buy", 40, 10)
    with pytest.raises(ExchangeError) as error:
        services.order_cancel(user=trader2, order_id=str(order.id))
    assert error.value.code is RejectCode.ORDER_NOT_FOUND
    with pytest.raises(ExchangeError):
        services.order_cancel(user=trader, order_id="not-a-uuid")


def test_cancel_of_a_filled_order_is_refused(trader, trader2, market):
    """An executed order cannot be canceled."""
    order = place(trader, market.ticker, "yes", "buy", 40, 1)
    place(trader2, market.ticker, "yes", "sell", 40, 1)
    with pytest.raises(ExchangeError) as error:
        services.order_cancel(user=trader, order_id=str(order.id))
    assert error.value.code is RejectCode.ORDER_NOT_RESTING


def test_decrease_keeps_priority_and_shrinks_the_reservation(trader, trader2, market):
    """A decreased order keeps its place in the queue."""
    first = place(trader, market.ticker, "yes", "buy", 40, 10)
    place(trader2, market.ticker, "yes", "buy", 40, 10)
    reserved = account(trader).reserved
    services.order_decrease(user=trader, order_id=str(first.id), reduce_to=400)
    assert account(trader).reserved < reserved
    taker = place(trader2, market.ticker, "yes", "sell", 40, 4)
    first.refresh_from_db()
    assert first.status == "executed" and taker.fill_count == 400


def test_decrease_to_zero_cancels(trader, market):
    """Reducing by the whole remainder cancels the order."""
    order = place(trader, market.ticker, "yes", "buy", 40, 2)
    assert services.order_decrease(user=trader, order_id=str(order.id), reduce_by=200).status == "canceled"
    assert account(trader).reserved == 0


def test_amend_price_loses_priority_and_can_execute(trader, trader2, market):
    """Amending the price re-enters the order, which may cross the book."""
    order = place(trader, market.ticker, "yes", "buy", 40, 5)
    place(trader2, market.ticker, "yes", "sell", 45, 2)
    old, new = services.order_amend(user=trader, order_id=str(order.id), yes_price=4_500, count=500)
    assert old.price == 4_000 and new.price == 4_500
    assert new.fill_count == 200 and new.remaining_count == 300 and new.status == "resting"
    assert Trade.objects.get().price == 4_500


def test_amend_size_up_loses_priority(trader, trader2, market):
    """Increasing the size sends the order to the back of its level."""
    first = place(trader, market.ticker, "yes", "buy", 40, 2)
    second = place(trader2, market.ticker, "yes", "buy", 40, 2)
    services.order_amend(user=trader, order_id=str(first.id), yes_price=4_000, count=300)
    seller = place(trader2, market.ticker, "no", "buy", 60, 2)
    second.refresh_from_db()
    assert seller.fill_count == 0  # self-trade stop: trader2's own bid is first in the queue now
    assert second.status == "resting"


def test_amend_of_filled_order_is_refused(trader, trader2, market):
    """Only resting orders can be amended."""
    order = place(trader, market.ticker, "yes", "buy", 40, 1)
    place(trader2, market.ticker, "yes", "sell", 40, 1)
    with pytest.raises(ExchangeError) as error:
        services.order_amend(user=trader, order_id=str(order.id), yes_price=4_100, count=100)
    assert error.value.code is RejectCode.ORDER_NOT_RESTING


def test_amend_below_filled_count_is_refused(trader, trader2, market):
    """The amended total must leave something to rest."""
    order = place(trader, market.ticker, "yes", "buy", 40, 5)
    place(trader2, market.ticker, "yes", "sell", 40, 2)
    with pytest.raises(ExchangeError) as error:
        services.order_amend(user=trader, order_id=str(order.id), yes_price=4_000, count=200)
    assert error.value.code is RejectCode.INVALID_COUNT


def test_cancel_all_spans_markets(trader):
    """Cancel-all removes every resting order of the user in every market."""
    from tests.support.factories import make_market

    one, two = make_market("CA-1"), make_market("CA-2")
    place(trader, one.ticker, "yes", "buy", 40, 1)
    place(trader, two.ticker, "no", "buy", 40, 1)
    canceled = services.orders_cancel_all(user=trader)
    assert len(canceled) == 2
    assert not Order.objects.filter(status="resting").exists() and account(trader).reserved == 0


def test_batch_create_reports_each_item(trader, market):
    """A batch places valid orders and reports errors for the others."""
    from exchange.services import OrderRequest

    results = services.orders_batch_create(user=trader, requests=[
        OrderRequest(ticker=market.ticker, side="yes", action="buy", yes_price=4_000, count=100),
        OrderRequest(ticker=market.ticker, side="yes", action="buy", yes_price=4_050, count=100),
    ])
    assert isinstance(results[0], Order) and isinstance(results[1], ExchangeError)
    assert Order.objects.count() == 1


def test_decrease_must_keep_whole_contracts_on_whole_contract_markets(trader, market):
    """A decrease cannot leave a fractional remainder where the market trades whole contracts."""
    order = place(trader, market.ticker, "yes", "buy", 40, 10)
    with pytest.raises(ExchangeError) as error:
        services.order_decrease(user=trader, order_id=str(order.id), reduce_by=50)
    assert error.value.code is RejectCode.INVALID_COUNT
