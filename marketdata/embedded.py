"""The Kafka pipeline as an embedded service of `manage.py runsim`: the relay and the book rebuilder,
against KAFKA_BOOTSTRAP_SERVERS or, when it is unset, librdkafka's mock cluster started here."""

import logging
import threading

from django.conf import settings

from marketdata.kafka import MockCluster
from marketdata.relay import Relay, RelayConfig
from orderbook.runtime import start_feed

log = logging.getLogger(__name__)


def run(stop: threading.Event) -> None:
    """Relay and rebuild until `stop` is set."""
    cluster = None
    bootstrap = settings.KAFKA_BOOTSTRAP_SERVERS
    if not bootstrap:
        cluster = MockCluster()
        bootstrap = cluster.bootstrap_servers
        log.info("Kafka mock cluster (in memory) at %s", bootstrap)
    feed = start_feed(stop, bootstrap=bootstrap)
    try:
        Relay(RelayConfig.from_settings(bootstrap)).run(stop)
    finally:
        feed.join(timeout=10)
        if cluster is not None:
            cluster.close()
