"""A real Kafka-protocol broker for tests: librdkafka's mock cluster in a helper process, over TCP."""

import json
import os
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from marketdata.kafka import Header
from tests.support.servers import child_process, test_database_env, wait_until


@contextmanager
def mock_kafka(tmp_path: Path):
    """`python -m marketdata.kafka` in its own process; yields (bootstrap servers, process)."""
    bootstrap_file = tmp_path / "bootstrap"
    log_path = tmp_path / "mock-kafka.log"
    args = ["-m", "marketdata.kafka", "--bootstrap-file", str(bootstrap_file)]
    with child_process(args, env=test_database_env(), log_path=log_path) as process:
        bootstrap = wait_until(lambda: bootstrap_file.exists() and bootstrap_file.read_text(), process,
                               what="the mock cluster's address", log_path=log_path)
        yield bootstrap, process


def read_topic(bootstrap: str, topic: str) -> list[dict]:
    """Every message now in `topic`, partition by partition in offset order, as
    {partition, offset, key, headers, value}."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{os.getpid()}-{time.monotonic_ns()}",
                         "enable.auto.commit": False})
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        ends = {}
        for partition in metadata.partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            if high > low:
                ends[partition] = high
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends])
        out: list[dict] = []
        done: dict[int, int] = {}
        deadline = time.monotonic() + 60
        while any(done.get(p, -1) + 1 < end for p, end in ends.items()):
            assert time.monotonic() < deadline, f"could not read {topic} to its end"
            for message in consumer.consume(1000, timeout=0.5):
                assert message.error() is None, message.error()
                done[message.partition()] = message.offset()
                out.append({"partition": message.partition(), "offset": message.offset(), "key": message.key(),
                            "headers": {k: v.decode() for k, v in message.headers() or ()},
                            "value": json.loads(message.value())})
        out.sort(key=lambda m: (m["partition"], m["offset"]))
        return out
    finally:
        consumer.close()


def event_id(message: dict) -> str:
    return message["headers"][Header.EVENT_ID.value]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)
