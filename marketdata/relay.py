"""The relay: ships the outbox to Kafka in commit order, exactly once as seen by a deduplicating consumer.

It reads through the commit-safe `OutboxReader`, produces each batch with an idempotent producer and
moves its durable outbox cursor only past events Kafka has acknowledged. A crash re-sends at
most the batch in flight; consumers drop those repeats by the `event_id` header. When Kafka or the
database is down it backs off and resumes from the cursor: nothing is lost.

Between batches it publishes each open market's whole book (`BookSnapshot`) every
`snapshot_interval_s`, so a consumer can start from the topic alone.
"""

import contextlib
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException, Producer
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections, transaction
from django.utils import timezone

from exchange.models import Market
from exchange.outbox import Envelope, OutboxReader
from exchange.outbox.cursors import cursor_load, cursor_save
from exchange.outbox.notify import OutboxListener
from exchange.outbox.reader import generation, wait_for_publish
from exchange.selectors import orderbook_at_seq
from exchange.wire_time import ts_ms
from marketdata.kafka import producer_config
from marketdata.messages import BookSnapshot, Outgoing, envelope_message, snapshot_message
from marketdata.models import RelayStatus
from marketdata.selectors import RELAY

log = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """Kafka did not acknowledge every message of a batch in time."""


@dataclass(frozen=True)
class RelayConfig:
    bootstrap: str
    name: str = RELAY  # its outbox cursor and status row
    batch: int = 2000
    poll_s: float = 0.2
    delivery_timeout_ms: int = 30_000
    snapshot_interval_s: float = 30.0
    backoff_max_s: float = 10.0

    @classmethod
    def from_settings(cls, bootstrap: str | None = None) -> "RelayConfig":
        conf = settings.MARKETDATA
        return cls(bootstrap=bootstrap or settings.KAFKA_BOOTSTRAP_SERVERS, batch=conf["RELAY_BATCH"],
                   poll_s=conf["POLL_MS"] / 1000, delivery_timeout_ms=conf["DELIVERY_TIMEOUT_MS"],
                   snapshot_interval_s=conf["SNAPSHOT_INTERVAL_S"], backoff_max_s=conf["BACKOFF_MAX_MS"] / 1000)


class _Rate:
    """Events per second over the last few seconds."""

    def __init__(self, window_s: float = 5.0) -> None:
        self.window_s = window_s
        self.samples: deque[tuple[float, int]] = deque()

    @property
    def last(self) -> float:
        return self.samples[-1][0] if self.samples else 0.0

    def add(self, count: int, now: float) -> int:
        self.samples.append((now, count))
        while self.samples and self.samples[0][0] < now - self.window_s:
            self.samples.popleft()
        span = max(now - self.samples[0][0], 1.0)
        return int(sum(c for _, c in self.samples) / span)


class Relay:
    def __init__(self, config: RelayConfig) -> None:
        self.config = config
        self.rate = _Rate()
        self.next_snapshot = time.monotonic()

    def run(self, stop: threading.Event) -> None:
        """Relay until `stop` is set, backing off (up to backoff_max_s) while Kafka or the database fails."""
        backoff = 0.2
        listener = OutboxListener()  # other processes' commits wake the relay as this process's do
        listener.start()
        try:
            while not stop.is_set():
                try:
                    self._relay(stop)
                except (DatabaseError, KafkaException, DeliveryFailed, BufferError) as error:
                    log.warning("relay paused for %.1fs: %s", backoff, error)
                    connections.close_all()  # a connection that failed mid-query is not reused
                    self._note_error(str(error))
                    stop.wait(backoff)
                    backoff = min(backoff * 2, self.config.backoff_max_s)
                else:
                    backoff = 0.2
        finally:
            listener.stop()
            connections.close_all()

    # --- one run, from the durable cursor until a failure or stop ----------------------------------
    def _relay(self, stop: threading.Event) -> None:
        close_old_connections()
        status, _ = RelayStatus.objects.get_or_create(name=self.config.name)
        reader = OutboxReader(after_id=cursor_load(self.config.name) or 0)
        producer = Producer(producer_config(self.config.bootstrap, **{
            "message.timeout.ms": self.config.delivery_timeout_ms}))
        seen = generation()
        while not stop.is_set():
            batch = reader.read_batch(self.config.batch)
            if batch:
                self._ship(producer, status, batch, reader.cursor, stop)
            # Between batches too: under sustained load the relay is never idle.
            if self.config.snapshot_interval_s > 0 and time.monotonic() >= self.next_snapshot:
                self._publish_snapshots(producer, status, stop)
                self.next_snapshot = time.monotonic() + self.config.snapshot_interval_s
            if batch:
                continue
            if status.events_per_s and time.monotonic() - self.rate.last > 1.0:  # idle: the rate falls to 0
                status.events_per_s = self.rate.add(0, time.monotonic())
                status.save(update_fields=["events_per_s", "updated_at"])
            # Commits wake the relay at once (NOTIFY from other processes); polling is the fallback.
            seen = wait_for_publish(seen, self.config.poll_s)

    def _ship(self, producer: Producer, status: RelayStatus, batch: list[Envelope], upto: int,
              stop: threading.Event) -> None:
        failed = self._deliver(producer, [(e.id, envelope_message(e)) for e in batch], stop)
        if failed is None:
            return  # stopping: whatever is unacknowledged is re-sent by the next run
        delivered = len(batch) - len(failed)
        status.relayed += delivered
        status.events_per_s = self.rate.add(delivered, time.monotonic())
        status.last_delivery_at = timezone.now()
        if not failed:
            status.last_error = ""
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # No wait for the disk: a cursor lost in a crash only re-sends a batch, which consumers drop
                # by event id, and the wait would bound the relay's rate.
                with connection.cursor() as sql:
                    sql.execute("SET LOCAL synchronous_commit TO OFF")
            # Everything below the first undelivered event is in Kafka; the rest is re-sent after a backoff.
            cursor_save(self.config.name, min(failed) - 1 if failed else upto)
            status.save()
        if failed:
            raise DeliveryFailed(f"{len(failed)} of {len(batch)} events not acknowledged: {failed[min(failed)]}")

    def _publish_snapshots(self, producer: Producer, status: RelayStatus, stop: threading.Event) -> None:
        snapshots = []
        tickers = (Market.objects.filter(book_seq__gt=0).exclude(status=Market.Status.FINALIZED)
                   .order_by("id").values_list("ticker", flat=True))
        for ticker in tickers:
            read = orderbook_at_seq(ticker)
            if read is not None:
                seq, levels = read
                body = tuple((side, price, count) for (side, price), count in sorted(levels.items()) if count)
                snapshots.append(BookSnapshot(ticker, seq, ts_ms(timezone.now()), body))
        failed = self._deliver(producer, [(i, snapshot_message(s)) for i, s in enumerate(snapshots)], stop)
        if failed is None:
            return
        status.snapshots += len(snapshots) - len(failed)
        status.save(update_fields=["snapshots", "updated_at"])
        if failed:
            raise DeliveryFailed(f"{len(failed)} of {len(snapshots)} book snapshots not acknowledged")

    def _deliver(self, producer: Producer, messages: list[tuple[int, Outgoing]],
                 stop: threading.Event) -> dict[int, str] | None:
        """Produce in order and wait for every acknowledgement: {id: error} of the failed ones, or None
        when stopping before all came back."""
        results: dict[int, KafkaError | None] = {}
        for ident, out in messages:
            while True:
                try:
                    producer.produce(out.topic.value, value=out.value, key=out.key, headers=out.headers,
                                     on_delivery=lambda err, _msg, ident=ident: results.__setitem__(ident, err))
                    break
                except BufferError:  # the local queue is full: let deliveries drain it
                    producer.poll(0.1)
        # Every message gets a result within message.timeout.ms, delivered or not.
        while len(results) < len(messages):
            if stop.is_set():
                return None
            producer.flush(0.5)
        return {ident: str(err) for ident, err in results.items() if err is not None}

    def _note_error(self, error: str) -> None:
        # When the database is what is down this fails too; the log has the error.
        with contextlib.suppress(DatabaseError):
            RelayStatus.objects.filter(name=self.config.name).update(last_error=error[:2000],
                                                                      updated_at=timezone.now())
