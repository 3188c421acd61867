"""Market-maker endpoints."""

from django.urls import path

from marketmaker import views

urlpatterns = [
    path("health", views.health, name="marketmaker-health"),
]
