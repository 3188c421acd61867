"""REST trade-api v2 routes (served under /trade-api/v2/)."""

from django.urls import include, path

urlpatterns = [
    path("", include("exchange.api.market_data.urls")),
    path("", include("exchange.api.trading.urls")),
]
