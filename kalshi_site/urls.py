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
