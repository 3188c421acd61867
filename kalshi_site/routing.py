"""WebSocket routes."""

from exchange.ws.routing import websocket_urlpatterns as trade_api
from orderbook.routing import websocket_urlpatterns as orderbook

websocket_urlpatterns = trade_api + orderbook

__all__ = ["websocket_urlpatterns"]
