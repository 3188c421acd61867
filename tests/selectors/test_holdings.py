"""market_holdings_get: one user's resting orders, position and account in one market, in one query."""

import pytest

from exchange import services
from exchange.engine.units import ONE_DOLLAR, count_from_contracts, price_from_cents
from exchange.models import Account, Order
from exchange.selectors.holdings import market_holdings_get
from exchange.services import OrderRequest
from tests.support.factories import make_market

pytestmark = pytest.mark.django_db


def order(user, market, action: str, cents: int, contracts: int, **extra) -> Order:
    return services.order_create(user=user, request=OrderRequest(
        ticker=market.ticker, side="yes", action=action, yes_price=price_from_cents(cents),
        count=count_from_contracts(contracts), **extra))


def test_resting_orders_here_position_and_account_in_one_query(trader, trader2, market,
                                                                django_assert_num_queries):
    """Only the user's resting orders in this market, in time priority, with its position and cash."""
    elsewhere = make_market("TEST-OTHER")
    order(trader2, market, "sell", 40, 2)
    order(trader, market, "buy", 40, 2)  # executed: long 2 YES
    first = order(trader, market, "buy", 35, 3)
    services.order_cancel(user=trader, order_id=str(order(trader, market, "buy", 30, 1).id))
    second = order(trader, market, "sell", 70, 1)
    order(trader, elsewhere, "buy", 20, 5)
    account = Account.objects.get(user=trader)
    with django_assert_num_queries(1):
        holdings = market_holdings_get(user_id=trader.pk, market_id=market.pk)
    assert [(o.order_id, o.book_side, o.price, o.remaining, o.filled) for o in holdings.orders] == [
        (str(first.id), "bid", price_from_cents(35), count_from_contracts(3), 0),
        (str(second.id), "ask", price_from_cents(70), count_from_contracts(1), 0),
    ]
    first.refresh_from_db()
    assert holdings.orders[0].reserved == first.reserved > 0
    assert holdings.position == count_from_contracts(2)
    assert (holdings.balance, holdings.reserved) == (account.balance, account.reserved)
    assert holdings.resting_count == count_from_contracts(4)


def test_no_orders_or_position_is_flat_with_the_account(trader, market, django_assert_num_queries):
    """A funded user with nothing in the market: no orders, position 0, the account's cash."""
    with django_assert_num_queries(1):
        holdings = market_holdings_get(user_id=trader.pk, market_id=market.pk)
    assert (holdings.orders, holdings.position, holdings.balance, holdings.reserved) == ([], 0, 10_000 * ONE_DOLLAR, 0)


def test_unknown_user_holds_nothing(market):
    """A user id that does not exist reads as empty, not as an error."""
    holdings = market_holdings_get(user_id=10**9, market_id=market.pk)
    assert (holdings.orders, holdings.position, holdings.balance, holdings.reserved) == ([], 0, 0, 0)
