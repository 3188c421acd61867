"""Order groups: a contracts limit over a rolling 15 s window; reaching it cancels the group's orders."""

import uuid

from django.contrib.auth.models import AbstractBaseUser
from rest_framework.request import Request
from rest_framework.response import Response

from exchange import services
from exchange.api.trading.base import TradingView, created
from exchange.api.trading.parse import Body, legacy_count
from exchange.api.trading.shapes import EXCHANGE_INDEX
from exchange.engine.rejects import RejectCode
from exchange.models import OrderGroup
from exchange.services import ExchangeError
from exchange.wire_fields import count_fields


def group_shape(group: OrderGroup) -> dict:
    return {
        "id": str(group.pk),
        "order_group_id": str(group.pk),
        **count_fields("contracts_limit", group.contracts_limit),
        # Auto-cancel is always on here; a triggered group takes no orders until it is reset.
        "is_auto_cancel_enabled": True,
        "is_triggered": group.is_triggered,
        "exchange_index": EXCHANGE_INDEX,
    }


def own_group(user: AbstractBaseUser, group_id: str) -> OrderGroup:
    try:
        return OrderGroup.objects.get(pk=uuid.UUID(str(group_id)), user=user, is_deleted=False)
    except (OrderGroup.DoesNotExist, ValueError):
        raise ExchangeError(RejectCode.ORDER_GROUP_NOT_FOUND, f"order group {group_id} not found") from None


def contracts_limit(data: object) -> int:
    return legacy_count(Body(data), "contracts_limit")


class OrderGroups(TradingView):
    route = "/portfolio/order_groups"

    def get(self, request: Request) -> Response:
        groups = OrderGroup.objects.filter(user=request.user, is_deleted=False).order_by("created_at")
        return Response({"order_groups": [group_shape(g) for g in groups]})


class OrderGroupCreate(TradingView):
    route = "/portfolio/order_groups/create"

    def post(self, request: Request) -> Response:
        group = services.order_group_create(user=request.user, contracts_limit=contracts_limit(request.data))
        return created({"order_group_id": str(group.pk), "subaccount": 0, "exchange_index": EXCHANGE_INDEX})


class OrderGroupDetail(TradingView):
    route = "/portfolio/order_groups/{order_group_id}"

    def get(self, request: Request, order_group_id: str) -> Response:
        group = own_group(request.user, order_group_id)
        orders = [str(i) for i in group.orders.order_by("created_at").values_list("id", flat=True)]
        return Response({**group_shape(group), "orders": orders})

    def delete(self, request: Request, order_group_id: str) -> Response:
        services.order_group_delete(user=request.user, group_id=order_group_id)
        return Response({})


class OrderGroupLimit(TradingView):
    route = "/portfolio/order_groups/{order_group_id}/limit"

    def put(self, request: Request, order_group_id: str) -> Response:
        services.order_group_update_limit(user=request.user, group_id=order_group_id,
                                          contracts_limit=contracts_limit(request.data))
        return Response({})


class OrderGroupReset(TradingView):
    route = "/portfolio/order_groups/{order_group_id}/reset"

    def put(self, request: Request, order_group_id: str) -> Response:
        services.order_group_reset(user=request.user, group_id=order_group_id)
        return Response({})


class OrderGroupTrigger(TradingView):
    route = "/portfolio/order_groups/{order_group_id}/trigger"

    def put(self, request: Request, order_group_id: str) -> Response:
        services.order_group_trigger(user=request.user, group_id=order_group_id)
        return Response({})
