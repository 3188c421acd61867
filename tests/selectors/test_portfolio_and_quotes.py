"""Selectors the REST API and the pages share: position valuation and the order ticket's quote."""

import pytest

from exchange import services
from exchange.engine.units import ONE_CONTRACT, notional, price_from_cents
from exchange.selectors.portfolio import account_summary, positions_overview, queue_ahead
from exchange.selectors.quotes import order_quote
from exchange.services import OrderRequest
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db


def order(user, market, side: str, action: str, cents: int, contracts: int):
    yes_cents = cents if side == "yes" else 100 - cents
    return services.order_create(user=user, request=OrderRequest(
        ticker=market.ticker, side=side, action=action, yes_price=price_from_cents(yes_cents),
        count=contracts * ONE_CONTRACT))


def test_positions_are_marked_at_the_last_trade_with_unrealized_pnl(trader, trader2, market):
    """3 YES bought at 40¢, then the market trades at 55¢: worth $1.65, unrealized P&L +$0.45."""
    order(trader2, market, "yes", "sell", 40, 3)
    order(trader, market, "yes", "buy", 40, 3)
    order(make_user("carol"), market, "yes", "sell", 55, 1)
    order(trader2, market, "yes", "buy", 55, 1)
    [row] = positions_overview(trader)
    assert row.position.position == 3 * ONE_CONTRACT
    assert row.position.cost == price_from_cents(120)
    assert row.value == price_from_cents(165)
    assert row.unrealized_pnl == price_from_cents(45)
    summary = account_summary(trader)
    assert summary.portfolio_value == row.value
    assert summary.available == summary.balance - summary.reserved


def test_queue_ahead_counts_earlier_orders_at_the_same_price(trader, trader2, market):
    """Only orders resting before mine at my price are ahead of me."""
    order(trader2, market, "yes", "buy", 30, 4)
    mine = order(trader, market, "yes", "buy", 30, 1)
    order(trader2, market, "yes", "buy", 30, 2)
    order(trader2, market, "yes", "buy", 31, 5)
    assert queue_ahead(mine) == 4 * ONE_CONTRACT


@pytest.mark.parametrize(("side", "action", "cents", "notional", "total", "payout"), [
    ("yes", "buy", 30, 300, 315, 1000),  # 10 at 30¢ + ceil(0.07 x 10 x 0.3 x 0.7) = 15¢
    ("no", "buy", 30, 300, 315, 1000),  # the fee is symmetric in P and 1 - P
    ("yes", "sell", 30, 300, 285, None),  # a sell receives its notional less the fee
])
def test_order_quote_prices_the_ticket(market, side, action, cents, notional, total, payout):
    """Cost or proceeds at the limit in the order's own side, the worst taker fee, and the payout of a buy."""
    yes_cents = cents if side == "yes" else 100 - cents
    quote = order_quote(market, OrderRequest(ticker=market.ticker, side=side, action=action,
                                             yes_price=price_from_cents(yes_cents), count=10 * ONE_CONTRACT))
    assert quote.price == price_from_cents(cents)
    assert quote.notional == price_from_cents(notional)
    assert quote.total == price_from_cents(total)
    assert quote.payout == (None if payout is None else price_from_cents(payout))


def test_order_quote_notional_is_what_the_engine_charges(market):
    """A NO buy of 0.01 contract at a sub-cent YES price pays $0.01 less the YES side's rounded-down share,
    as the engine settles it, not the NO price rounded down on its own."""
    quote = order_quote(market, OrderRequest(ticker=market.ticker, side="no", action="buy", yes_price=4550, count=1))
    assert quote.notional == notional(False, 4550, 1) == 55
