"""Batched order placement shared by the V1 and V2 endpoints; each view renders the outcomes in its own shape."""

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser

from exchange import services
from exchange.api.trading.parse import Body
from exchange.models import Order
from exchange.services import ExchangeError, OrderRequest

MAX_BATCH = 20


def place_batch(user: AbstractBaseUser, data: object,
                order_request: Callable[[object], OrderRequest]) -> list[tuple[str | None, Order | ExchangeError]]:
    """Parse each item of `orders` alone, place the valid ones in one batch, and return per item, in the order sent,
    the client_order_id it sent (None unless a string) and its placed Order or the ExchangeError that stopped it."""
    items = Body(data).items("orders", required=True, max_items=MAX_BATCH)
    parsed: list[OrderRequest | ExchangeError] = []
    for item in items:
        try:
            parsed.append(order_request(item))
        except ExchangeError as error:
            parsed.append(error)
    placed = iter(services.orders_batch_create(
        user=user, requests=[p for p in parsed if isinstance(p, OrderRequest)]))
    outcomes: list[tuple[str | None, Order | ExchangeError]] = []
    for item, request_or_error in zip(items, parsed, strict=True):
        sent = item.get("client_order_id") if isinstance(item, dict) else None
        outcome = next(placed) if isinstance(request_or_error, OrderRequest) else request_or_error
        outcomes.append((sent if isinstance(sent, str) else None, outcome))
    return outcomes
