"""WebSocket route of the rebuilt-book stream."""

from django.urls import re_path

from orderbook.ws import RebuiltBookConsumer

websocket_urlpatterns: list = [
    re_path(r"^orderbook/ws/?$", RebuiltBookConsumer.as_asgi()),
]
