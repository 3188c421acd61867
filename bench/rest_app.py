"""The application the REST benchmark serves: the product's ASGI application with two baseline views
added under /trade-api/, so baseline and product requests share one server and one middleware stack.

The baselines are the cheapest DRF views of their kind: a POST that inserts one row in a transaction,
and a GET that answers a constant. Neither authenticates. Served with `bench.rest_app:application`.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kalshi_site.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework.permissions import AllowAny  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from exchange.models import MarketEvent  # noqa: E402
from kalshi_site.asgi import application  # noqa: E402, F401  (what daphne serves)

BASELINE_POST_PATH = "/trade-api/bench/insert-one"
BASELINE_GET_PATH = "/trade-api/bench/constant"


class InsertOne(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request):
        with transaction.atomic():
            row = MarketEvent.objects.create(kind=MarketEvent.Kind.TICKER, payload=request.data)
        return Response({"id": row.id}, status=201)


class Constant(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path(BASELINE_POST_PATH.lstrip("/"), InsertOne.as_view()),
    path(BASELINE_GET_PATH.lstrip("/"), Constant.as_view()),
    path("", include("kalshi_site.urls")),
]
handler400 = "exchange.api.errors.bad_request"
handler403 = "exchange.api.errors.permission_denied"
handler404 = "exchange.api.errors.page_not_found"
handler500 = "exchange.api.errors.server_error"

settings.ROOT_URLCONF = __name__
