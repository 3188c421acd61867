"""URL map: each part of the exchange owns its own urls module."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("trade-api/v2/", include("exchange.api.urls")),
    path("marketmaker/", include("marketmaker.urls")),
    path("marketdata/", include("marketdata.urls")),
    path("orderbook/", include("orderbook.urls")),
    path("", include("exchange.pages.urls")),
]

handler400 = "exchange.api.errors.bad_request"
handler403 = "exchange.api.errors.permission_denied"
handler404 = "exchange.api.errors.page_not_found"
handler500 = "exchange.api.errors.server_error"
