"""WebSocket routes; each app that serves a socket adds its patterns here."""

websocket_urlpatterns: list = []
