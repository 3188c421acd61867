"""Rebuilt order books."""

from django.urls import path

from orderbook import views

urlpatterns = [
    path("api/all", views.all_books, name="orderbook-all"),
    path("api/feed", views.feed, name="orderbook-feed"),
    path("api/<str:ticker>", views.book, name="orderbook-book"),
    path("drift/", views.drift, name="orderbook-drift"),
    path("drift/<str:ticker>/", views.levels, name="orderbook-levels"),
]
