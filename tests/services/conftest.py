"""Helpers for service tests: placing orders tersely and checking that money is conserved."""

import pytest
from django.db.models import Sum

from exchange import services
from exchange.models import Account, Fill, Position
from exchange.services import OrderRequest


def place(user, ticker: str, side: str, action: str, cents: int, contracts: int, **options):
    """Place an order priced in whole cents of its own side, with whole contracts (as Kalshi V1 does)."""
    yes_price = cents * 100 if side == "yes" else 10_000 - cents * 100
    request = OrderRequest(ticker=ticker, side=side, action=action, yes_price=yes_price,
                           count=contracts * 100, **options)
    return services.order_create(user=user, request=request)


def total_money() -> int:
    """Cash + $1 per outstanding YES/NO pair + fees collected: constant except for deposits."""
    cash = Account.objects.aggregate(total=Sum("balance"))["total"] or 0
    pairs = Position.objects.filter(position__gt=0).aggregate(total=Sum("position"))["total"] or 0
    fees = Fill.objects.aggregate(total=Sum("fee"))["total"] or 0
    return cash + pairs * 100 + fees


def account(user) -> Account:
    return Account.objects.get(user=user)


@pytest.fixture
def place_order():
    return place
