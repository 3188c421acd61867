"""Helpers for service tests: placing orders tersely and checking that money is conserved."""

import pytest

from exchange import services
from exchange.models import Account
from exchange.services import OrderRequest


def place(user, ticker: str, side: str, action: str, cents: int, contracts: int, **options):
    """Place an order priced in whole cents of its own side, with whole contracts (as Kalshi V1 does)."""
    yes_price = cents * 100 if side == "yes" else 10_000 - cents * 100
    request = OrderRequest(ticker=ticker, side=side, action=action, yes_price=yes_price,
                           count=contracts * 100, **options)
    return services.order_create(user=user, request=request)


def account(user) -> Account:
    return Account.objects.get(user=user)


@pytest.fixture
def place_order():
    return place
