"""WebSocket routes of the trade API."""

websocket_urlpatterns: list = []
