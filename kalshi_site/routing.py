"""WebSocket routes."""

from exchange.ws.routing import websocket_urlpatterns

__all__ = ["websocket_urlpatterns"]
