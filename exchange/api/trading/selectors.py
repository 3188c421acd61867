"""Reads of the caller's own orders: anyone else's order is reported exactly like a missing one."""

import uuid

from django.contrib.auth.models import AbstractBaseUser

from exchange.engine.rejects import RejectCode
from exchange.models import Order
from exchange.services import ExchangeError


def own_order(user: AbstractBaseUser, order_id: str) -> Order:
    """The user's order; anyone else's is reported exactly like a missing one."""
    try:
        return Order.objects.select_related("market").get(pk=uuid.UUID(str(order_id)), user=user)
    except (Order.DoesNotExist, ValueError):
        raise ExchangeError(RejectCode.ORDER_NOT_FOUND, f"order {order_id} not found") from None


def resting_order_ids(user: AbstractBaseUser, *, subaccount: int | None = None) -> list[str]:
    """Ids of the user's resting orders, in one subaccount when given."""
    orders = Order.objects.filter(user=user, status=Order.Status.RESTING)
    if subaccount is not None:
        orders = orders.filter(subaccount=subaccount)
    return [str(i) for i in orders.values_list("id", flat=True)]


def canonical_id(order_id: str) -> str:
    try:
        return str(uuid.UUID(str(order_id)))
    except ValueError:
        return str(order_id)


def own_orders(user: AbstractBaseUser, order_ids: list[str]) -> dict[str, Order]:
    """The user's orders among `order_ids`, keyed by canonical id (unknown and malformed ids are left out)."""
    valid = []
    for order_id in order_ids:
        try:
            valid.append(uuid.UUID(str(order_id)))
        except ValueError:
            continue
    return {str(o.id): o for o in Order.objects.select_related("market").filter(pk__in=valid, user=user)}
