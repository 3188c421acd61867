"""Kafka clients of the market-data feed: topic names, headers, client configuration, and librdkafka's
built-in mock cluster, which stands in for a broker where none is installed (embedded default, tests).

No Django here: `python -m marketdata.kafka [--brokers N] [--bootstrap-file PATH]` serves the mock
cluster on its own until SIGTERM/SIGINT, printing its bootstrap servers.
"""

import argparse
import logging
import signal
import threading
from enum import StrEnum
from pathlib import Path

from confluent_kafka import Producer

log = logging.getLogger(__name__)


class Topic(StrEnum):
    MARKET_DATA = "kalshi.market-data"  # public, keyed by market ticker: one market stays on one partition
    EXECUTIONS = "kalshi.executions"  # private, keyed by user id


class Header(StrEnum):
    EVENT_ID = "event_id"  # consumers deduplicate on it: a relay restart may ship an event twice
    KIND = "kind"
    SCHEMA_VERSION = "schema_version"


# A broker back from an outage is found within a second (librdkafka's default backs off up to 10 s).
RECONNECT = {"reconnect.backoff.max.ms": 1000}


def producer_config(bootstrap: str, **extra: object) -> dict:
    """An idempotent producer: retries never duplicate or reorder a message within a partition."""
    config = {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "compression.type": "none",
        **RECONNECT,
    }
    config.update(extra)
    return config


def consumer_config(bootstrap: str, group: str, **extra: object) -> dict:
    """Offsets are committed by the application after it has applied the messages, never before."""
    config = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        # The consumer decides where to start itself (see orderbook.consumer): a missing or trimmed
        # position surfaces as an error instead of a silent jump.
        "auto.offset.reset": "error",
        "enable.partition.eof": False,
        # A fetch returns once it has data; this bounds the wait of brokers that hold it longer (the mock).
        "fetch.wait.max.ms": 20,
        **RECONNECT,
    }
    config.update(extra)
    return config


class MockCluster:
    """librdkafka's mock Kafka cluster, listening on 127.0.0.1 in this process for any client over TCP.

    It keeps messages in memory only and trims a partition past 5 MiB or 100,000 message sets; topics
    are created on first use with 4 partitions.
    """

    def __init__(self, brokers: int = 1) -> None:
        # The client that owns the cluster; `test.mock.num.brokers` replaces its bootstrap servers with
        # the mock brokers, whose addresses its metadata then reports.
        self._owner = Producer({"test.mock.num.brokers": brokers, "log_level": 3})
        metadata = self._owner.list_topics(timeout=10)
        self.bootstrap_servers = ",".join(f"{b.host}:{b.port}" for b in sorted(
            metadata.brokers.values(), key=lambda b: b.id))

    def serve(self, stop: threading.Event) -> None:
        """Keep the cluster up until `stop` is set."""
        while not stop.is_set():
            self._owner.poll(0.5)

    def close(self) -> None:
        """Shut the cluster down; its messages are gone."""
        self._owner = None


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve librdkafka's in-memory mock Kafka cluster.")
    parser.add_argument("--brokers", type=int, default=1)
    parser.add_argument("--bootstrap-file", type=Path, help="also write the bootstrap servers here")
    args = parser.parse_args()
    cluster = MockCluster(args.brokers)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.bootstrap_file is not None:
        # Written whole then renamed, so a reader never sees half an address.
        partial = args.bootstrap_file.with_suffix(".partial")
        partial.write_text(cluster.bootstrap_servers)
        partial.rename(args.bootstrap_file)
    print(f"bootstrap {cluster.bootstrap_servers}", flush=True)
    cluster.serve(stop)
    cluster.close()


if __name__ == "__main__":
    main()
