"""Ship the outbox to Kafka until stopped (full deployment: its own process)."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from marketdata.relay import Relay, RelayConfig


class Command(BaseCommand):
    help = "Relay outbox events to Kafka topics kalshi.market-data and kalshi.executions."

    def add_arguments(self, parser):
        parser.add_argument("--bootstrap-servers", default=settings.KAFKA_BOOTSTRAP_SERVERS)

    def handle(self, *args, bootstrap_servers: str, **options):
        if not bootstrap_servers:
            raise CommandError("set KAFKA_BOOTSTRAP_SERVERS or --bootstrap-servers")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        self.stdout.write(f"relaying the outbox to {bootstrap_servers}")
        Relay(RelayConfig.from_settings(bootstrap_servers)).run(stop)
