"""REST trade-api v2 routes (served under /trade-api/v2/)."""

from django.urls import include, path, re_path

from exchange.api.errors import not_found

urlpatterns = [
    path("", include("exchange.api.market_data.urls")),
    path("", include("exchange.api.trading.urls")),
    # Every other path, including ones with a newline (which `.` does not match).
    re_path(r"", not_found),
]
