"""Serve librdkafka's mock Kafka cluster on 127.0.0.1 until stopped: a broker for tests and benchmarks."""

import signal
import threading
from pathlib import Path

from django.core.management.base import BaseCommand

from marketdata.kafka import MockCluster


class Command(BaseCommand):
    help = "Run librdkafka's in-memory mock Kafka cluster and print its bootstrap servers."

    def add_arguments(self, parser):
        parser.add_argument("--brokers", type=int, default=1)
        parser.add_argument("--bootstrap-file", type=Path, help="also write the bootstrap servers here")

    def handle(self, *args, brokers: int, bootstrap_file: Path | None, **options):
        cluster = MockCluster(brokers)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        if bootstrap_file is not None:
            # Written whole then renamed, so a reader never sees half an address.
            partial = bootstrap_file.with_suffix(".partial")
            partial.write_text(cluster.bootstrap_servers)
            partial.rename(bootstrap_file)
        self.stdout.write(f"bootstrap {cluster.bootstrap_servers}")
        self.stdout.flush()
        cluster.serve(stop)
        cluster.close()
