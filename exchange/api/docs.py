"""The API's own OpenAPI document and Swagger UI, with Swagger's assets served locally (no CDN)."""

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
         name="openapi"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="openapi", permission_classes=[AllowAny],
                                                 authentication_classes=[]),
         name="swagger-ui"),
]
