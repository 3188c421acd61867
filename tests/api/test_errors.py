"""Failures outside any view still answer in Kalshi's error shape."""

import pytest
from django.test import override_settings
from django.urls import path

from exchange.api.errors import not_found

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_a_json_404(client):
    """A path under /trade-api/v2 that names no endpoint gets the API's 404 body."""
    response = client.get("/trade-api/v2/no/such/endpoint")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def _broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("trade-api/v2/broken", _broken), path("trade-api/v2/<path:rest>", not_found)]


@override_settings(ROOT_URLCONF=__name__, DEBUG=True)
def test_a_bug_behind_an_api_path_is_a_json_500(client):
    """Even with DEBUG on, a crash under /trade-api/ answers JSON, not Django's HTML page."""
    client.raise_request_exception = False
    response = client.get("/trade-api/v2/broken")
    assert response.status_code == 500
    assert response.json()["error"] == {"code": "internal_server_error", "message": "internal server error"}
