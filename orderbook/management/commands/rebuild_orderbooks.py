"""Rebuild every market's book from kalshi.market-data and serve them (full deployment: its own process)."""

import threading

from daphne.cli import CommandLineInterface
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from orderbook.runtime import start_feed


class Command(BaseCommand):
    help = "Consume kalshi.market-data, rebuild every book, and serve them over HTTP and WebSocket."

    def add_arguments(self, parser):
        parser.add_argument("--bootstrap-servers", default=settings.KAFKA_BOOTSTRAP_SERVERS)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100)

    def handle(self, *args, bootstrap_servers: str, host: str, port: int, **options):
        if not bootstrap_servers:
            raise CommandError("set KAFKA_BOOTSTRAP_SERVERS or --bootstrap-servers")
        stop = threading.Event()
        feed = start_feed(stop, bootstrap=bootstrap_servers)
        self.stdout.write(f"rebuilding books from {bootstrap_servers}; serving http://{host}:{port}/orderbook/api/all"
                          f" and ws://{host}:{port}/orderbook/ws")
        try:
            # The same ASGI application as the web process: this one's /orderbook/ routes have books.
            CommandLineInterface().run(["--ping-interval", "10", "-b", host, "-p", str(port),
                                        "kalshi_site.asgi:application"])
        finally:
            stop.set()
            feed.join(timeout=10)
