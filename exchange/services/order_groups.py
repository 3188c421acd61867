"""Order groups: a contracts limit over a rolling 15 s window; hitting it cancels the group's orders."""

import uuid
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from exchange.engine import CancelReason
from exchange.engine.rejects import RejectCode
from exchange.models import Fill, MarketEvent, Order, OrderGroup
from exchange.outbox import EventKind, OrderGroupEvent, outbox_write
from exchange.services import payloads
from exchange.services.errors import ExchangeError
from exchange.services.market_txn import cancel_across_markets

WINDOW = timedelta(seconds=15)


def _group(user_id: int, group_id: str) -> OrderGroup:
    try:
        return OrderGroup.objects.select_for_update().get(pk=uuid.UUID(str(group_id)), user_id=user_id,
                                                          is_deleted=False)
    except (OrderGroup.DoesNotExist, ValueError):
        raise ExchangeError(RejectCode.ORDER_GROUP_NOT_FOUND, f"order group {group_id} not found") from None


def _event(group: OrderGroup, event_type: OrderGroupEvent) -> None:
    # The group row was written or locked FOR UPDATE first.
    outbox_write([MarketEvent(kind=EventKind.ORDER_GROUP, user_id=group.user_id,
                              payload=payloads.order_group_payload(group, event_type))], has_xid=True)


def _check_limit(contracts_limit: int) -> None:
    if contracts_limit <= 0:
        raise ExchangeError(RejectCode.INVALID_PARAMETER, "contracts_limit must be positive")


def order_group_create(*, user_id: int, contracts_limit: int) -> OrderGroup:
    _check_limit(contracts_limit)
    group = OrderGroup.objects.create(user_id=user_id, contracts_limit=contracts_limit)
    _event(group, OrderGroupEvent.CREATED)
    return group


def order_group_update_limit(*, user_id: int, group_id: str, contracts_limit: int) -> OrderGroup:
    _check_limit(contracts_limit)
    group = _group(user_id, group_id)
    group.contracts_limit = contracts_limit
    group.save(update_fields=["contracts_limit", "updated_at"])
    _event(group, OrderGroupEvent.LIMIT_UPDATED)
    return group


def order_group_trigger(*, user_id: int, group_id: str) -> OrderGroup:
    return _trigger(_group(user_id, group_id))


def order_group_reset(*, user_id: int, group_id: str) -> OrderGroup:
    group = _group(user_id, group_id)
    group.is_triggered = False
    group.save(update_fields=["is_triggered", "updated_at"])
    _event(group, OrderGroupEvent.RESET)
    return group


def order_group_delete(*, user_id: int, group_id: str) -> None:
    group = _group(user_id, group_id)
    cancel_across_markets(Order.objects.filter(order_group=group), CancelReason.ORDER_GROUP)
    group.is_deleted = True
    group.save(update_fields=["is_deleted", "updated_at"])
    _event(group, OrderGroupEvent.DELETED)


def order_groups_check(*, group_ids: set) -> None:
    """Trigger any of these groups whose fills in the last 15 s reached its limit."""
    since = timezone.now() - WINDOW
    for group_id in sorted(group_ids, key=str):
        group = OrderGroup.objects.select_for_update().filter(pk=group_id, is_triggered=False).first()
        if group is None:
            continue
        filled = (Fill.objects.filter(order__order_group=group, created_at__gte=since)
                  .aggregate(total=Sum("count"))["total"] or 0)
        if filled >= group.contracts_limit:
            _trigger(group)


def _trigger(group: OrderGroup) -> OrderGroup:
    cancel_across_markets(Order.objects.filter(order_group=group), CancelReason.ORDER_GROUP)
    group.is_triggered = True
    group.save(update_fields=["is_triggered", "updated_at"])
    _event(group, OrderGroupEvent.TRIGGERED)
    return group
