"""WebSocket routes of the trade API."""

from channels.auth import AuthMiddlewareStack
from django.urls import re_path

from exchange.ws.consumer import FeedConsumer

websocket_urlpatterns: list = [
    # The session stack lets a logged-in browser use the private channels; API clients sign the upgrade.
    re_path(r"^trade-api/ws/v2/?$", AuthMiddlewareStack(FeedConsumer.as_asgi())),
]
