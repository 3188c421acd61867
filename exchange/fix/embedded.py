"""The acceptor as an embedded service of `manage.py runsim` (settings.EMBEDDED_SERVICES)."""

import threading

from django.conf import settings

from exchange.fix.acceptor import AcceptorConfig, run_forever

# The acceptor running in this process, if any (set once it listens), for the operations page.
running: dict = {}


def run(stop: threading.Event) -> None:
    """Serve FIX in this thread's own event loop until `stop` is set."""
    if not settings.FIX.get("ENABLED", True):
        return
    run_forever(AcceptorConfig.from_settings(settings.FIX), stop, holder=running)


def sessions_logged_on() -> int | None:
    """FIX sessions logged on to this process's acceptor; None when FIX runs in another process."""
    acceptor = running.get("acceptor")
    return None if acceptor is None else len(acceptor.sessions)
