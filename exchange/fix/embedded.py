"""The acceptor as an embedded service of `manage.py runsim` (settings.EMBEDDED_SERVICES)."""

import threading

from django.conf import settings

from exchange.fix.acceptor import AcceptorConfig, run_forever


def run(stop: threading.Event) -> None:
    """Serve FIX in this thread's own event loop until `stop` is set."""
    if not settings.FIX.get("ENABLED", True):
        return
    run_forever(AcceptorConfig.from_settings(settings.FIX), stop)
