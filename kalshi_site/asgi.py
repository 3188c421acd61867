"""ASGI entry point: HTTP through Django, WebSocket through the exchange's consumers.

Static files (admin, Swagger UI) are served by the same process: the simulator runs without a
separate web server in front of it.
"""

import os

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kalshi_site.settings")
django_asgi_app = ASGIStaticFilesHandler(get_asgi_application())

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from kalshi_site import server_limits  # noqa: E402
from kalshi_site.routing import websocket_urlpatterns  # noqa: E402

# daphne imports this module before it serves: requests past its limits get answers (server_limits).
server_limits.install()

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": URLRouter(websocket_urlpatterns)})
