"""holdings_by_market: one user's resting orders, position and account in each market, in one query."""

import pytest

from exchange import services
from exchange.engine.units import ONE_DOLLAR, count_from_contracts, price_from_cents
from exchange.models import Account, Order
from exchange.selectors.holdings import holdings_by_market
from exchange.services import OrderRequest
from tests.support.factories import make_market

pytestmark = pytest.mark.django_db


def order(user, market, action: str, cents: int, contracts: int) -> Order:
    return services.order_create(user=user, request=OrderRequest(
        ticker=market.ticker, side="yes", action=action, yes_price=price_from_cents(cents),
        count=count_from_contracts(contracts)))


def test_each_markets_resting_orders_and_position_with_the_account(trader, trader2, market,
                                                                    django_assert_num_queries):
    """Per market only the user's resting orders there, in time priority, its position there and its cash."""
    elsewhere, untouched = make_market("TEST-OTHER"), make_market("TEST-EMPTY")
    order(trader2, market, "sell", 40, 2)
    order(trader, market, "buy", 40, 2)  # executed: long 2 YES
    first = order(trader, market, "buy", 35, 3)
    services.order_cancel(user=trader, order_id=str(order(trader, market, "buy", 30, 1).id))
    second = order(trader, market, "sell", 70, 1)
    other = order(trader, elsewhere, "buy", 20, 5)
    account = Account.objects.get(user=trader)
    with django_assert_num_queries(1):
        held = holdings_by_market(user_id=trader.pk, market_ids=[market.pk, elsewhere.pk, untouched.pk])
    here = held[market.pk]
    assert [(o.order_id, o.book_side, o.price, o.remaining, o.filled) for o in here.orders] == [
        (str(first.id), "bid", price_from_cents(35), count_from_contracts(3), 0),
        (str(second.id), "ask", price_from_cents(70), count_from_contracts(1), 0),
    ]
    first.refresh_from_db()
    assert here.orders[0].reserved == first.reserved > 0
    assert here.position == count_from_contracts(2)
    assert here.resting_count == count_from_contracts(4)
    assert [o.order_id for o in held[elsewhere.pk].orders] == [str(other.id)] and held[elsewhere.pk].position == 0
    assert (held[untouched.pk].orders, held[untouched.pk].position) == ([], 0)
    for each in held.values():
        assert (each.balance, each.reserved) == (account.balance, account.reserved)


def test_no_orders_or_position_is_flat_with_the_account(trader, market):
    """A funded user with nothing in the market: no orders, position 0, the account's cash."""
    [(market_id, held)] = holdings_by_market(user_id=trader.pk, market_ids=[market.pk]).items()
    assert market_id == market.pk
    assert (held.orders, held.position, held.balance, held.reserved) == ([], 0, 10_000 * ONE_DOLLAR, 0)


def test_unknown_user_or_market_is_left_out(trader, market):
    """A user or market id that does not exist yields no entry rather than an error."""
    assert holdings_by_market(user_id=10**9, market_ids=[market.pk]) == {}
    assert holdings_by_market(user_id=trader.pk, market_ids=[10**9]) == {}
    assert holdings_by_market(user_id=trader.pk, market_ids=[]) == {}
