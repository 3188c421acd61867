"""Run the whole simulator in one process: daphne (HTTP + WebSocket) plus the embedded background
services (FIX acceptor, market maker, lifecycle clock) listed in settings.EMBEDDED_SERVICES."""

import threading

from daphne.cli import CommandLineInterface
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Serve HTTP + WebSocket and run the embedded services (FIX, market maker) in one process."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-services", action="store_true", help="serve HTTP + WebSocket only")

    def handle(self, *args, host, port, no_services, **options):
        stop = threading.Event()
        if not no_services:
            for dotted in settings.EMBEDDED_SERVICES:
                service = import_string(dotted)
                threading.Thread(target=service, args=(stop,), name=dotted, daemon=True).start()
                self.stdout.write(f"started {dotted}")
        base = f"http://{host}:{port}"
        self.stdout.write(
            f"Exchange simulator\n  REST      {base}/trade-api/v2\n  WebSocket ws://{host}:{port}/trade-api/ws/v2\n"
            f"  Pages     {base}/\n  Admin     {base}/admin/\n"
            f"  Books     {base}/orderbook/api/all (rebuilt from Kafka), ws://{host}:{port}/orderbook/ws\n"
            f"  Demo keys {settings.VAR_DIR / 'demo' / 'credentials.json'}"
        )
        try:
            args = ["--ping-interval", "10", "-b", host, "-p", str(port), "kalshi_site.asgi:application"]
            CommandLineInterface().run(args)
        finally:
            stop.set()
