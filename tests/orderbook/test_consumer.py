"""The feed consumer against a real broker (the mock cluster over TCP) and the real exchange read."""

import threading
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from django.db import connection

from exchange.outbox import Envelope, EventKind, OutboxReader
from exchange.selectors import orderbook_at_seq
from marketdata.kafka import MockCluster, Topic, producer_config
from marketdata.messages import envelope_message
from orderbook.consumer import BookFeed, ConsumerConfig, StartFrom
from orderbook.rebuilder import Rebuilder, ResyncReason
from tests.services.conftest import place

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


@pytest.fixture
def cluster():
    cluster = MockCluster()
    yield cluster
    cluster.close()


@pytest.fixture
def book(transactional_db, trader, trader2, market):
    """A market with a few resting orders; its outbox events are in the topic already."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the feed thread reads through its own connection")
    place(trader, market.ticker, "yes", "buy", 40, 10)
    place(trader2, market.ticker, "no", "buy", 50, 3)
    return market


def _produce(cluster: MockCluster, envelopes: list[Envelope]) -> None:
    producer = Producer(producer_config(cluster.bootstrap_servers))
    for envelope in envelopes:
        out = envelope_message(envelope)
        producer.produce(out.topic.value, value=out.value, key=out.key, headers=out.headers)
    assert producer.flush(10) == 0


def _delta(market, seq: int, levels: list) -> Envelope:
    return Envelope(id=10**9 + seq, kind=EventKind.BOOK, market=market.ticker, book_seq=seq, user_id=None,
                    ts_ms=1, payload={"levels": levels})


@pytest.fixture
def run_feed(cluster):
    """Start a feed thread in `group`; stopped at teardown."""
    stops = []

    def start(group: str) -> tuple[Rebuilder, BookFeed]:
        rebuilder, stop = Rebuilder(), threading.Event()
        feed = BookFeed(rebuilder, ConsumerConfig(cluster.bootstrap_servers, group=group, commit_interval_s=0.1))
        thread = threading.Thread(target=feed.run, args=(stop,))
        thread.start()
        stops.append((stop, thread))
        return rebuilder, feed

    yield start
    for stop, thread in stops:
        stop.set()
        thread.join(30)


def _until(condition, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.02)
    raise AssertionError(f"{what} not reached in {timeout}s")


def test_a_new_group_starts_at_the_end_and_takes_every_book_from_the_exchange(cluster, book, run_feed, trader):
    """Old messages are not replayed; the book is the exchange's, and later deltas apply on top of it."""
    _produce(cluster, [_delta(book, 1, [["bid", 100, 999]])])  # history a new group must not apply
    rebuilder, feed = run_feed("fresh")
    seq, levels = orderbook_at_seq(book.ticker)
    view = _until(lambda: (v := rebuilder.view(book.ticker)) and v.book_seq == seq and v, "the start resync")
    assert {(s, p): lv.count for s, rows in (("bid", view.bids), ("ask", view.asks)) for p, lv in rows} == levels
    assert {start for _, start in feed.starts.values()} == {StartFrom.END}
    assert view.stats.deltas == 0 and view.stats.last_resync_reason is ResyncReason.START
    reader = OutboxReader.at_head()
    place(trader, book.ticker, "yes", "buy", 41, 2)
    # The reader hands out an event once no earlier transaction can still commit: poll until it does.
    _produce(cluster, _until(lambda: [e for e in reader.read_batch() if e.kind is EventKind.BOOK], "the outbox"))
    view = _until(lambda: (v := rebuilder.view(book.ticker)) and v.book_seq == seq + 1 and v, "the next delta")
    assert view.stats.deltas == 1 and view.bids[0][0] == 4100


def test_a_gap_in_book_seq_resyncs_the_market_from_the_exchange(cluster, book, run_feed):
    """A delta five ahead of the book is not applied; the exchange's read replaces the book."""
    _produce(cluster, [_delta(book, 1, [["bid", 100, 1]])])
    rebuilder, _ = run_feed("gaps")
    seq, levels = orderbook_at_seq(book.ticker)
    _until(lambda: (v := rebuilder.view(book.ticker)) and v.book_seq == seq, "the start resync")
    _produce(cluster, [_delta(book, seq + 5, [["bid", 100, 1]])])
    view = _until(lambda: (v := rebuilder.view(book.ticker)) and v.stats.last_resync_reason is ResyncReason.GAP
                  and v, "the gap's resync")
    assert view.stats.gaps == 1 and view.book_seq == seq
    assert ("bid", 100) not in {("bid", p) for p, _ in view.bids}


def test_a_position_the_broker_no_longer_holds_resyncs_instead_of_jumping_silently(cluster, book, run_feed):
    """A committed offset beyond what the partition holds (as after trimming) is reported and resynced."""
    _produce(cluster, [_delta(book, 1, [["bid", 100, 1]])])
    setter = Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": "trimmed"})
    partitions = setter.list_topics(Topic.MARKET_DATA.value, timeout=10).topics[Topic.MARKET_DATA.value].partitions
    setter.commit(offsets=[TopicPartition(Topic.MARKET_DATA.value, p, 1000) for p in partitions], asynchronous=False)
    setter.close()
    rebuilder, feed = run_feed("trimmed")
    view = _until(lambda: (v := rebuilder.view(book.ticker)) and v.stats.last_resync_reason is ResyncReason.TRIMMED
                  and v, "the trimmed resync")
    assert view.book_seq == orderbook_at_seq(book.ticker)[0]
    assert {start for _, start in feed.starts.values()} == {StartFrom.COMMITTED}
