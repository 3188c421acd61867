"""Kafka market-data pipeline benchmark: relay and rebuilder throughput, outbox -> rebuilt-book latency.

    DATABASE_URL=postgres://... .venv/bin/python -m bench.kafka_pipeline      (or scripts/bench kafka_pipeline)

The broker is librdkafka's mock cluster in its own process (`python -m marketdata.kafka`), over TCP.
Baseline, same broker, same run: confluent-kafka producing (idempotent, acks=all) and consuming messages
of an envelope's size as fast as it can.

1. Relay: N book events already committed to the outbox, shipped by one relay thread from cursor 0
   to the last acknowledgement (read, envelope, produce, ack, cursor write).
2. Rebuilder: the same N events consumed by one feed thread from offset 0 into rebuilt books.
3. Latency: a writer commits book events at 1,000 and 10,000 events/s offered; `run_relay` ships them
   from its own process and the rebuilder (this process) applies them; latency is the apply time
   minus the event's commit timestamp.

Events are book deltas that keep every level non-negative, spread over several markets; the markets'
book_seq stays 0 in the database, so the rebuilder starts from empty books and applies every delta.
Takes about a minute.
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import ROOT, fresh_database, open_markets, table  # noqa: E402

MARKETS = [f"BENCH-KAFKA-{i}" for i in range(8)]
THROUGHPUT_EVENTS = 40_000
OFFERED = (1_000, 10_000)
SECONDS = 4.0


class EventSource:
    """Book deltas per market that open a level at one book_seq and empty it at the next."""

    def __init__(self, seq: dict[str, int] | None = None) -> None:
        from exchange.models import Market

        self.seq = dict(seq) if seq else dict.fromkeys(MARKETS, 0)
        self.turn = sum(self.seq.values())
        self.ids = dict(Market.objects.filter(ticker__in=MARKETS).values_list("ticker", "id"))

    def make(self, count: int) -> list:
        from django.utils import timezone

        from exchange.models import MarketEvent
        from exchange.wire_time import ts_ms

        ids = self.ids
        now = timezone.now()
        stamp = ts_ms(now)
        events = []
        for _ in range(count):
            ticker = MARKETS[self.turn % len(MARKETS)]
            self.turn += 1
            seq = self.seq[ticker] = self.seq[ticker] + 1
            price = 100 * (1 + (seq + 1) // 2 % 90)
            delta = 100 if seq % 2 else -100
            events.append(MarketEvent(market_id=ids[ticker], book_seq=seq, kind="book", created_at=now,
                                      payload={"ticker": ticker, "levels": [["bid", price, delta]], "ts_ms": stamp}))
        return events


def write(source: EventSource, count: int, chunk: int = 5_000) -> None:
    from django.db import transaction

    from exchange.outbox import outbox_write

    for start in range(0, count, chunk):
        with transaction.atomic():
            outbox_write(source.make(min(chunk, count - start)))


def mock_broker():
    bootstrap_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-kafka-{os.getpid()}"
    bootstrap_file.unlink(missing_ok=True)
    process = subprocess.Popen([sys.executable, "-m", "marketdata.kafka", "--bootstrap-file", str(bootstrap_file)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, env=dict(os.environ))
    deadline = time.monotonic() + 30
    while not bootstrap_file.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("the mock cluster did not start")
        time.sleep(0.05)
    return process, bootstrap_file.read_text()


def raw_rates(bootstrap: str, size: int, count: int) -> tuple[float, float]:
    """confluent-kafka alone: produce `count` messages of `size` bytes with acks, then consume them."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

    from marketdata.kafka import producer_config

    producer = Producer(producer_config(bootstrap))
    value = b"x" * size
    start = time.perf_counter()
    for i in range(count):
        while True:
            try:
                producer.produce("bench.raw", value=value, key=MARKETS[i % len(MARKETS)].encode(),
                                 headers=[("event_id", str(i).encode())])
                break
            except BufferError:
                producer.poll(0.05)
    producer.flush(60)
    produce_rate = count / (time.perf_counter() - start)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-raw", "enable.auto.commit": False})
    partitions = consumer.list_topics("bench.raw", timeout=10).topics["bench.raw"].partitions
    consumer.assign([TopicPartition("bench.raw", p, OFFSET_BEGINNING) for p in partitions])
    seen, start = 0, time.perf_counter()
    while seen < count:
        seen += sum(1 for m in consumer.consume(1000, timeout=1.0) if m.error() is None)
    consume_rate = count / (time.perf_counter() - start)
    consumer.close()
    return produce_rate, consume_rate


def relay_rate(bootstrap: str) -> float:
    """Events per second between the first acknowledged batch and the last (client start-up excluded)."""
    from django.db.models import Max

    from exchange.models import MarketEvent
    from exchange.outbox.cursors import cursor_load
    from marketdata.relay import Relay, RelayConfig

    newest = MarketEvent.objects.aggregate(m=Max("id"))["m"]
    stop = threading.Event()
    relay_config = RelayConfig(bootstrap, snapshot_interval_s=0, poll_s=0.01)
    relay = threading.Thread(target=Relay(relay_config).run, args=(stop,))
    relay.start()
    while not (first := cursor_load(relay_config.name) or 0):
        time.sleep(0.005)
    start = time.perf_counter()
    while (cursor_load(relay_config.name) or 0) < newest:
        time.sleep(0.005)
    elapsed = time.perf_counter() - start
    stop.set()
    relay.join()
    return (newest - first) / elapsed


def start_rebuilder(bootstrap: str, applied: list):
    """A feed thread from offset 0 of every partition; `applied` gets (apply time ms, event ts ms)."""
    from confluent_kafka import Consumer, TopicPartition

    from marketdata.kafka import Topic
    from orderbook.consumer import BookFeed, ConsumerConfig
    from orderbook.rebuilder import Rebuilder

    group = "bench-rebuilder"
    setter = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    partitions = setter.list_topics(Topic.MARKET_DATA.value, timeout=10).topics[Topic.MARKET_DATA.value].partitions
    setter.commit(offsets=[TopicPartition(Topic.MARKET_DATA.value, p, 0) for p in partitions], asynchronous=False)
    setter.close()
    rebuilder = Rebuilder()
    rebuilder.subscribe(lambda update: applied.append((time.time() * 1000, update)))
    stop = threading.Event()
    thread = threading.Thread(target=BookFeed(rebuilder, ConsumerConfig(bootstrap, group=group)).run, args=(stop,))
    thread.start()
    return rebuilder, stop, thread


def wait_books(rebuilder, source: EventSource, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while any((view := rebuilder.view(t, 1)) is None or view.book_seq != source.seq[t] for t in MARKETS):
        if time.monotonic() > deadline:
            raise RuntimeError("the rebuilder did not catch up")
        time.sleep(0.005)


def offered_round(source: EventSource, rate: int) -> float:
    """Commit book events at `rate`/s for SECONDS from a writer process (so the rebuilder here does not
    share its interpreter), in 50 transactions a second; returns the rate achieved."""
    args = [sys.executable, "-m", "bench.kafka_pipeline", "--write", str(rate), json.dumps(source.seq)]
    done = subprocess.run(args, cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, check=True)
    written, elapsed = json.loads(done.stdout.strip().splitlines()[-1])
    for _ in range(written):
        ticker = MARKETS[source.turn % len(MARKETS)]
        source.turn += 1
        source.seq[ticker] += 1
    return written / elapsed


def writer(rate: int, seq: dict[str, int]) -> None:
    """The writer process: prints [events written, seconds]."""
    from bench.support import setup_django

    setup_django()
    source = EventSource(seq)
    per_tick, written, start = max(rate // 50, 1), 0, time.monotonic()
    while time.monotonic() - start < SECONDS:
        write(source, per_tick)
        written += per_tick
        delay = start + written / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(json.dumps([written, time.monotonic() - start]))


def percentile(values: list[float], pct: float) -> float:
    return statistics.quantiles(values, n=100)[int(pct) - 1] if len(values) > 1 else (values[0] if values else 0.0)


def main() -> None:
    with fresh_database("bench_kafka_pipeline"):
        from exchange.outbox import OutboxReader
        from marketdata.messages import envelope_message

        open_markets("BENCHKAFKA", MARKETS)
        broker, bootstrap = mock_broker()
        try:
            source = EventSource()
            write(source, THROUGHPUT_EVENTS)
            size = len(envelope_message(OutboxReader().read_batch(1)[-1]).value)
            raw_produce, raw_consume = raw_rates(bootstrap, size, THROUGHPUT_EVENTS)
            relayed = relay_rate(bootstrap)
            applied: list = []
            rebuilder, stop, thread = start_rebuilder(bootstrap, applied)
            wait_books(rebuilder, source)
            deltas = [when for when, update in applied if not update.is_snapshot]
            # From the first applied delta to the last: the group join and start resync are excluded.
            rebuilt = (len(deltas) - 1) / ((deltas[-1] - deltas[0]) / 1000)
            rows = [["relay (outbox -> Kafka, acked)", f"{relayed:,.0f}", f"{raw_produce:,.0f}",
                     f"{relayed / raw_produce:.2f}"],
                    ["rebuilder (Kafka -> books)", f"{rebuilt:,.0f}", f"{raw_consume:,.0f}",
                     f"{rebuilt / raw_consume:.2f}"]]
            print(table(f"Throughput, {THROUGHPUT_EVENTS:,} book events of {size} bytes, one thread each",
                        ["stage", "events/s", "raw confluent-kafka msg/s", "ratio"], rows))
            print()
            env = dict(os.environ, MARKETDATA_SNAPSHOT_INTERVAL_S="0", MARKETDATA_POLL_MS="10",
                       DJANGO_SETTINGS_MODULE="kalshi_site.settings")
            relay = subprocess.Popen([sys.executable, "manage.py", "run_relay", "--bootstrap-servers", bootstrap],
                                     cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
            rows = []
            try:
                write(source, len(MARKETS))  # the relay process is up once these are rebuilt
                wait_books(rebuilder, source)
                for rate in OFFERED:
                    applied.clear()
                    achieved = offered_round(source, rate)
                    wait_books(rebuilder, source)
                    lags = [now - update.levels[0][2].updated_ts_ms for now, update in applied
                            if not update.is_snapshot and update.levels and update.levels[0][2] is not None]
                    rows.append([f"{rate:,}", f"{achieved:,.0f}", f"{percentile(lags, 50):.1f}",
                                 f"{percentile(lags, 99):.1f}", f"{raw_produce:,.0f}", f"{raw_consume:,.0f}"])
            finally:
                relay.terminate()
                relay.wait()
                stop.set()
                thread.join()
            print(table(f"Outbox commit -> rebuilt book latency, {SECONDS:.0f} s per row (relay in its own process)",
                        ["offered events/s", "committed events/s", "p50 ms", "p99 ms", "raw produce msg/s",
                         "raw consume msg/s"], rows))
        finally:
            broker.terminate()
            broker.wait()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        writer(int(sys.argv[2]), json.loads(sys.argv[3]))
    else:
        main()
