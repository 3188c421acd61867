"""The rebuilder's feed consumer: `kalshi.market-data` into a `Rebuilder`, in its own consumer group.

Where it starts: the group's committed offsets, or the end of the topic for a new group. Then, with the
positions fixed, it resyncs every market from the exchange's consistent `(book_seq, levels)` read:
whatever the topic holds from there on is either at or below that book_seq (stale, skipped) or the
deltas that follow it. A gap, a delta that does not fit, or a position the broker has trimmed
(`auto.offset.reset=error`) resyncs again, each logged and counted per market. Offsets are committed
only for messages already applied.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from exchange.models import Market
from exchange.outbox import EnvelopeError, EventKind
from exchange.selectors import orderbook_at_seq
from exchange.wire_time import ts_ms
from marketdata.kafka import Topic, consumer_config
from marketdata.messages import BookSnapshot, decode
from orderbook.book import Snapshot
from orderbook.rebuilder import Rebuilder, ResyncReason

log = logging.getLogger(__name__)

class StartFrom(StrEnum):
    COMMITTED = "committed"  # the group's committed offset
    END = "end"  # a new group: the end of the partition


ExchangeRead = Callable[[str], tuple[int, dict[tuple[str, int], int]] | None]


@dataclass(frozen=True)
class ConsumerConfig:
    bootstrap: str
    group: str = "kalshi-orderbook"
    commit_interval_s: float = 1.0
    session_timeout_ms: int = 10_000

    @classmethod
    def from_settings(cls, bootstrap: str | None = None) -> "ConsumerConfig":
        conf = settings.ORDERBOOK
        return cls(bootstrap=bootstrap or settings.KAFKA_BOOTSTRAP_SERVERS, group=conf["GROUP_ID"],
                   commit_interval_s=conf["COMMIT_INTERVAL_MS"] / 1000, session_timeout_ms=conf["SESSION_TIMEOUT_MS"])


class BookFeed:
    def __init__(self, rebuilder: Rebuilder, config: ConsumerConfig, *,
                 exchange_read: ExchangeRead = orderbook_at_seq) -> None:
        self.rebuilder = rebuilder
        self.config = config
        self.exchange_read = exchange_read
        self.consumer: Consumer | None = None
        self._uncommitted: dict[int, int] = {}  # partition -> next offset to commit
        self.bad_messages = 0
        # What the health page reports: where each partition started and what has been committed.
        self.starts: dict[int, tuple[int, StartFrom]] = {}
        self.committed: dict[int, int] = {}
        self._trimmed = False

    def run(self, stop: threading.Event) -> None:
        """Consume until `stop` is set; commits what it applied on the way out."""
        self.consumer = Consumer(consumer_config(self.config.bootstrap, self.config.group, **{
            "session.timeout.ms": self.config.session_timeout_ms}))
        self.consumer.subscribe([Topic.MARKET_DATA.value], on_assign=self._on_assign, on_revoke=self._on_revoke)
        next_commit = time.monotonic() + self.config.commit_interval_s
        try:
            while not stop.is_set():
                try:
                    for message in self.consumer.consume(num_messages=1000, timeout=0.2):
                        self._handle(message)
                    if self._trimmed:
                        self._restart_at_end()
                except KafkaException as error:  # the broker is unreachable or busy; librdkafka retries
                    log.warning("feed error: %s", error)
                    stop.wait(0.5)
                if time.monotonic() >= next_commit:
                    self._retry_resyncs()
                    self._commit()
                    next_commit = time.monotonic() + self.config.commit_interval_s
            self._commit()
        finally:
            self.consumer.close()
            connections.close_all()

    # --- positions ------------------------------------------------------------------------------------
    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Fix every position first (committed offset, else the end of the topic), then resync."""
        positions = consumer.committed(partitions, timeout=30)
        for tp in positions:
            start = StartFrom.COMMITTED
            if tp.offset < 0:
                tp.offset, start = consumer.get_watermark_offsets(tp, timeout=30)[1], StartFrom.END
            self.starts[tp.partition] = (tp.offset, start)
        consumer.assign(positions)
        log.info("assigned %s", ", ".join(f"{tp.partition}@{tp.offset}" for tp in positions))
        self._resync_all(ResyncReason.START)

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._commit()
        for tp in partitions:
            self._uncommitted.pop(tp.partition, None)

    def _commit(self) -> None:
        if not self._uncommitted or self.consumer is None:
            return
        offsets = [TopicPartition(Topic.MARKET_DATA.value, p, o) for p, o in self._uncommitted.items()]
        try:
            self.consumer.commit(offsets=offsets, asynchronous=False)
            self.committed.update(self._uncommitted)
            self._uncommitted.clear()
        except Exception as error:  # noqa: BLE001 - a failed commit is retried at the next interval
            log.warning("offset commit failed: %s", error)

    # --- messages -------------------------------------------------------------------------------------
    def _handle(self, message: Message) -> None:
        error = message.error()
        if error is not None:
            if error.code() == KafkaError._AUTO_OFFSET_RESET:
                log.warning("partition %s: %s", message.partition(), error)
                self._trimmed = True
            else:
                log.warning("feed error: %s", error)
            return
        try:
            body = decode(message.value(), message.headers())
        except EnvelopeError as bad:
            self.bad_messages += 1
            log.warning("skipping a message at %s@%s: %s", message.partition(), message.offset(), bad)
        else:
            if isinstance(body, BookSnapshot):
                self.rebuilder.on_snapshot(body.market, Snapshot(body.book_seq, {
                    (side, price): count for side, price, count in body.levels}, body.ts_ms))
            elif body.kind is EventKind.BOOK and body.market and body.book_seq is not None:
                reason = self.rebuilder.on_delta(body.market, body.book_seq, body.payload.get("levels", ()),
                                                 body.ts_ms)
                if reason is not None:
                    self._resync(body.market, reason)
        self._uncommitted[message.partition()] = message.offset() + 1

    def _restart_at_end(self) -> None:
        """The broker no longer holds a position we need: as at a start, fix every partition's position
        at its end, then resync every market from the exchange. (A partition in that error state cannot
        be sought; it is assigned again.)"""
        self._trimmed = False
        positions = [TopicPartition(tp.topic, tp.partition, self.consumer.get_watermark_offsets(tp, timeout=30)[1])
                     for tp in self.consumer.assignment()]
        self.consumer.assign(positions)
        self._uncommitted.update({tp.partition: tp.offset for tp in positions})
        log.warning("positions lost from the broker; restarted at %s", ", ".join(
            f"{tp.partition}@{tp.offset}" for tp in positions))
        self._resync_all(ResyncReason.TRIMMED)

    # --- resyncs --------------------------------------------------------------------------------------
    def _resync_all(self, reason: ResyncReason) -> None:
        try:
            tickers = set(Market.objects.exclude(status=Market.Status.FINALIZED).values_list("ticker", flat=True))
        except DatabaseError as error:
            log.warning("cannot list markets to resync: %s", error)
            connections.close_all()
            tickers = set()
        for ticker in sorted(tickers | set(self.rebuilder.tickers())):
            self._resync(ticker, reason)

    def _resync(self, ticker: str, reason: ResyncReason) -> None:
        try:
            read = self.exchange_read(ticker)
        except DatabaseError as error:  # the book stays unsynced; retried every commit interval
            log.warning("resync of %s (%s) failed: %s", ticker, reason, error)
            connections.close_all()
            return
        if read is None:
            return
        seq, levels = read
        self.rebuilder.resync(ticker, Snapshot(seq, levels, ts_ms(timezone.now())), reason)
        if reason is not ResyncReason.START:
            log.info("resynced %s at book_seq %s (%s)", ticker, seq, reason)

    def _retry_resyncs(self) -> None:
        for ticker in self.rebuilder.needs_resync():
            self._resync(ticker, ResyncReason.START)
