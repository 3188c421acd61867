"""Server-rendered pages: markets, a market, portfolio, API keys, operations, login."""

from django.contrib.auth import views as auth_views
from django.urls import path

from exchange.pages import views_account, views_markets, views_operations, views_trading

app_name = "pages"

urlpatterns = [
    path("", views_markets.markets, name="markets"),
    path("markets/<str:ticker>", views_markets.market, name="market"),
    path("markets/<str:ticker>/mine", views_markets.market_mine, name="market-mine"),
    path("markets/<str:ticker>/ticket", views_trading.ticket_preview, name="ticket-preview"),
    path("markets/<str:ticker>/orders", views_trading.order_place, name="order-place"),
    path("orders/<str:order_id>/amend", views_trading.order_amend, name="order-amend"),
    path("orders/<str:order_id>/cancel", views_trading.order_cancel, name="order-cancel"),
    path("orders/cancel-all", views_trading.orders_cancel_all, name="orders-cancel-all"),
    path("portfolio/", views_account.portfolio, name="portfolio"),
    path("portfolio/body", views_account.portfolio_body, name="portfolio-body"),
    path("keys/", views_account.api_keys, name="api-keys"),
    path("keys/create", views_account.api_key_create, name="api-key-create"),
    path("keys/<uuid:key_id>/revoke", views_account.api_key_revoke, name="api-key-revoke"),
    path("operations/", views_operations.operations, name="operations"),
    path("operations/counters", views_operations.operations_counters, name="operations-counters"),
    path("operations/feed", views_operations.operations_feed, name="operations-feed"),
    path("operations/trading", views_operations.exchange_trading, name="exchange-trading"),
    path("operations/markets/<str:ticker>", views_operations.market_lifecycle, name="market-lifecycle"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
