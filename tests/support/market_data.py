"""Helpers for the public market-data tests: place real orders through the services."""

from exchange import services
from exchange.engine.units import count_from_contracts, price_from_cents
from exchange.models import Order
from exchange.services.orders import OrderRequest


def place(user, ticker: str, side: str, action: str, cents: int, contracts: int, **extra) -> Order:
    """An order at YES-space price `cents` (a NO order at 55 here is a NO bid at 45) for whole `contracts`."""
    request = OrderRequest(ticker=ticker, side=side, action=action, yes_price=price_from_cents(cents),
                           count=count_from_contracts(contracts), **extra)
    return services.order_create(user=user, request=request)
