"""Run the FIX acceptor as its own process (full deployment)."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from exchange.fix.acceptor import AcceptorConfig, Target, run_forever


class Command(BaseCommand):
    help = "Serve Kalshi FIX sessions (KalshiNR, KalshiRT, KalshiDC, KalshiPT) on their ports."

    def add_arguments(self, parser):
        parser.add_argument("--host", help="listen address (default settings.FIX HOST)")
        for target in Target:
            parser.add_argument(f"--{target.name.lower()}-port", type=int, help=f"{target.value} port")

    def handle(self, *args, host, **options):
        fix = dict(settings.FIX)
        if host:
            fix["HOST"] = host
        ports = dict(fix.get("PORTS", {}))
        for target in Target:
            port = options.get(f"{target.name.lower()}_port")
            if port is not None:
                ports[target.value] = port
        fix["PORTS"] = ports
        config = AcceptorConfig.from_settings(fix)
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(f"FIX acceptor on {config.host}: " + ", ".join(
            f"{t.value} {p}" for t, p in config.ports.items()))
        run_forever(config, stop)
