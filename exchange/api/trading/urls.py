"""Trading and portfolio routes."""

from django.urls import path

from exchange.api.trading import account, groups, orders_v1, orders_v2, portfolio

urlpatterns = [
    # Portfolio reads
    path("portfolio/balance", portfolio.Balance.as_view()),
    path("portfolio/positions", portfolio.Positions.as_view()),
    path("portfolio/fills", portfolio.Fills.as_view()),
    path("portfolio/settlements", portfolio.Settlements.as_view()),
    path("portfolio/summary/total_resting_order_value", portfolio.RestingOrderValue.as_view()),
    path("portfolio/orders/queue_positions", portfolio.QueuePositions.as_view()),
    path("portfolio/orders/<str:order_id>/queue_position", portfolio.QueuePosition.as_view()),
    # Orders V1
    path("portfolio/orders", orders_v1.Orders.as_view()),
    path("portfolio/orders/batched", orders_v1.OrdersBatched.as_view()),
    path("portfolio/orders/<str:order_id>", orders_v1.OrderDetail.as_view()),
    path("portfolio/orders/<str:order_id>/amend", orders_v1.OrderAmend.as_view()),
    path("portfolio/orders/<str:order_id>/decrease", orders_v1.OrderDecrease.as_view()),
    # Orders V2
    path("portfolio/events/orders", orders_v2.EventOrders.as_view()),
    path("portfolio/events/orders/batched", orders_v2.EventOrdersBatched.as_view()),
    path("portfolio/events/orders/<str:order_id>", orders_v2.EventOrderDetail.as_view()),
    path("portfolio/events/orders/<str:order_id>/amend", orders_v2.EventOrderAmend.as_view()),
    path("portfolio/events/orders/<str:order_id>/decrease", orders_v2.EventOrderDecrease.as_view()),
    # Order groups
    path("portfolio/order_groups", groups.OrderGroups.as_view()),
    path("portfolio/order_groups/create", groups.OrderGroupCreate.as_view()),
    path("portfolio/order_groups/<str:order_group_id>", groups.OrderGroupDetail.as_view()),
    path("portfolio/order_groups/<str:order_group_id>/limit", groups.OrderGroupLimit.as_view()),
    path("portfolio/order_groups/<str:order_group_id>/reset", groups.OrderGroupReset.as_view()),
    path("portfolio/order_groups/<str:order_group_id>/trigger", groups.OrderGroupTrigger.as_view()),
    # Account
    path("api_keys", account.ApiKeys.as_view()),
    path("api_keys/generate", account.ApiKeyGenerate.as_view()),
    path("api_keys/<str:api_key>", account.ApiKeyDetail.as_view()),
    path("account/limits", account.AccountLimits.as_view()),
    path("account/endpoint_costs", account.EndpointCosts.as_view()),
]
