"""The Kafka pipeline end to end, every part its own process over TCP: a mock-cluster broker, the relay
(`run_relay`), the rebuilder (`rebuild_orderbooks`) and several processes placing orders."""

import os
import signal
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Max

from exchange.models import Market, MarketEvent
from exchange.outbox import PRIVATE_KINDS, EventKind
from exchange.outbox.cursors import cursor_load
from exchange.selectors import orderbook_at_seq
from marketdata.kafka import Header, Topic
from marketdata.messages import FeedKind
from marketdata.models import RelayStatus
from marketdata.selectors import RELAY
from orderbook.check import CheckStatus, check_books, exchange_book_at, rebuilt_books
from tests.support.factories import make_market, make_user
from tests.support.kafka import event_id, get_json, mock_kafka, read_topic
from tests.support.servers import ROOT, child_process, free_port, running, test_database_env, wait_until

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

TICKERS = ["PIPE-A", "PIPE-B", "PIPE-C"]
STORMERS = 3
ORDERS = 30
PIPELINE_ENV = {"MARKETDATA_SNAPSHOT_INTERVAL_S": "1", "MARKETDATA_POLL_MS": "20", "MARKETDATA_BACKOFF_MAX_MS": "1000",
                "ORDERBOOK_COMMIT_INTERVAL_MS": "200", "ORDERBOOK_SESSION_TIMEOUT_MS": "6000"}
# Only where Kafka is stopped: elsewhere a slow acknowledgement on a loaded machine would re-send a batch.
IMPATIENT = {"MARKETDATA_DELIVERY_TIMEOUT_MS": "1500"}


@pytest.fixture
def exchange(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    for ticker in TICKERS:
        make_market(ticker)
    for i in range(4):
        make_user(f"storm{i}", dollars=1_000_000, password=None)


@pytest.fixture
def kafka(tmp_path, exchange):
    with mock_kafka(tmp_path) as (bootstrap, process):
        yield bootstrap, process


@contextmanager
def relay(bootstrap: str, tmp_path: Path, name: str = "relay", **env: str):
    args = ["manage.py", "run_relay", "--bootstrap-servers", bootstrap]
    env = test_database_env(**PIPELINE_ENV, **env)
    with child_process(args, env=env, log_path=tmp_path / f"{name}.log") as process:
        yield process


@contextmanager
def rebuilder(bootstrap: str, group: str = "rebuilder-test"):
    port = free_port()
    args = ["manage.py", "rebuild_orderbooks", "--bootstrap-servers", bootstrap, "--port", str(port)]
    env = test_database_env(ORDERBOOK_GROUP_ID=group, **PIPELINE_ENV)
    with running(args, port=port, env=env, log_name="rebuilder") as process:
        url = f"http://127.0.0.1:{port}"
        # Serving starts before the feed has its partitions; the storm must not race the first assignment.
        wait_until(lambda: get_json(f"{url}/orderbook/api/feed")["partitions"], process, what="partitions assigned")
        yield url, process


def start_storm(seed: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-m", "tests.support.storm", "services", "storm", str(ORDERS),
                              str(seed + i), *TICKERS], cwd=ROOT, env=test_database_env()) for i in range(STORMERS)]


def finish(storm: list[subprocess.Popen]) -> None:
    for process in storm:
        assert process.wait(timeout=240) == 0


def settled(url: str) -> bool:
    """The relay has shipped every outbox event and the rebuilder holds every market at its book_seq."""
    position = cursor_load(RELAY)
    if position is None or position < MarketEvent.objects.aggregate(newest=Max("id"))["newest"]:
        return False
    rebuilt = {book["ticker"]: book["book_seq"] for book in get_json(f"{url}/orderbook/api/all")["books"]}
    return all(rebuilt.get(t) == seq for t, seq in Market.objects.filter(ticker__in=TICKERS)
               .values_list("ticker", "book_seq"))


def assert_feed_is_the_outbox(bootstrap: str, *, duplicates_allowed: bool) -> None:
    """Every outbox event is in Kafka once (after dedup by event id), on its topic and key, in id order
    per partition; each market's book events run 1..book_seq with no gap; snapshots are exact."""
    messages = [(topic, m) for topic in Topic for m in read_topic(bootstrap, topic.value)]
    outbox = {row["id"]: row for row in MarketEvent.objects.values("id", "kind", "user_id", "market__ticker")}
    first: dict[int, tuple[Topic, dict]] = {}
    repeats, snapshots = 0, []
    for topic, message in messages:
        if message["headers"][Header.KIND.value] == FeedKind.BOOK_SNAPSHOT.value:
            snapshots.append(message["value"])
            continue
        ident = int(event_id(message))
        assert message["value"]["id"] == ident
        if ident in first:
            repeats += 1
        else:
            first[ident] = (topic, message)
    assert set(first) == set(outbox)
    assert duplicates_allowed or repeats == 0
    for ident, (topic, message) in first.items():
        row = outbox[ident]
        private = EventKind(row["kind"]) in PRIVATE_KINDS
        assert topic is (Topic.EXECUTIONS if private else Topic.MARKET_DATA)
        assert message["key"].decode() == str(row["user_id"] if private else row["market__ticker"])
    partitions: dict[tuple[Topic, int], list[int]] = {}
    for ident, (topic, message) in sorted(first.items(), key=lambda item: (item[1][0], item[1][1]["offset"])):
        partitions.setdefault((topic, message["partition"]), []).append(ident)
    assert all(ids == sorted(ids) for ids in partitions.values())
    for ticker, book_seq in Market.objects.filter(ticker__in=TICKERS).values_list("ticker", "book_seq"):
        seqs = [m["value"]["book_seq"] for t, m in sorted(first.values(), key=lambda tm: tm[1]["offset"])
                if m["value"]["kind"] == EventKind.BOOK.value and m["value"]["market"] == ticker]
        assert seqs == list(range(1, book_seq + 1)), ticker
    assert {s["market"] for s in snapshots} >= set(TICKERS)
    for snapshot in snapshots:
        if snapshot["market"] in TICKERS:
            expected = exchange_book_at(snapshot["market"], snapshot["book_seq"])[1]
            assert {(side, price): count for side, price, count in snapshot["levels"]} == expected


def assert_books_equal_the_exchange(url: str) -> None:
    rebuilt = rebuilt_books(url)
    for ticker in TICKERS:
        seq, levels = orderbook_at_seq(ticker)
        assert rebuilt[ticker] == (seq, levels), ticker
    results = [r for r in check_books(rebuilt) if r.ticker in TICKERS]
    assert [r.status for r in results] == [CheckStatus.OK] * len(TICKERS)


def test_an_order_storm_is_relayed_once_in_order_and_rebuilt_exactly(kafka, tmp_path, admin_client, settings):
    """Three processes trade three markets; Kafka then holds each outbox event once, in order, and the
    rebuilder's books are the exchange's, as the admin's drift page (reading the rebuilder over HTTP,
    as the web process of a full deployment does) says too."""
    bootstrap, _ = kafka
    with relay(bootstrap, tmp_path) as relay_process, rebuilder(bootstrap) as (url, _):
        finish(start_storm(seed=1))
        wait_until(lambda: settled(url), relay_process, timeout=120, what="pipeline settled")
        assert_books_equal_the_exchange(url)
        settings.ORDERBOOK = {**settings.ORDERBOOK, "REBUILDER_URL": url}
        page = admin_client.get("/orderbook/drift/").content.decode()
        assert all(f'<tr class="ok" data-ticker="{ticker}">' in page for ticker in TICKERS)
        assert admin_client.get(f"/orderbook/drift/{TICKERS[0]}/").status_code == 200
    assert_feed_is_the_outbox(bootstrap, duplicates_allowed=False)


def test_a_relay_killed_mid_storm_resumes_from_its_cursor_losing_nothing(kafka, tmp_path):
    """kill -9 of the relay while orders flow; after a restart every event is in Kafka (repeats of the
    batch in flight are dropped by event id) and the books still match."""
    bootstrap, _ = kafka
    with ExitStack() as stack:
        first = stack.enter_context(relay(bootstrap, tmp_path, "relay-1"))
        url, _ = stack.enter_context(rebuilder(bootstrap))
        storm = start_storm(seed=11)
        wait_until(lambda: RelayStatus.objects.filter(relayed__gt=50).exists(), first, what="the relay shipping")
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        before = cursor_load(RELAY)
        second = stack.enter_context(relay(bootstrap, tmp_path, "relay-2"))
        finish(storm)
        wait_until(lambda: settled(url), second, timeout=120, what="pipeline settled")
        assert cursor_load(RELAY) > before
        assert_books_equal_the_exchange(url)
    assert_feed_is_the_outbox(bootstrap, duplicates_allowed=True)


def test_a_rebuilder_killed_mid_storm_resumes_from_committed_offsets_without_drift(kafka, tmp_path):
    """kill -9 of the rebuilder; its successor in the same group starts at the committed offsets and
    ends with the exchange's books."""
    bootstrap, _ = kafka
    with relay(bootstrap, tmp_path) as relay_process:
        with rebuilder(bootstrap) as (url, first):
            storm = start_storm(seed=21)
            committed = wait_until(lambda: {p["partition"]: p["committed_offset"] for p in get_json(
                f"{url}/orderbook/api/feed")["partitions"] if p["committed_offset"]}, first, what="a commit")
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
        with rebuilder(bootstrap) as (url, _):
            starts = {p["partition"]: p for p in get_json(f"{url}/orderbook/api/feed")["partitions"]}
            for partition, offset in committed.items():
                assert starts[partition]["start"] == "committed" and starts[partition]["start_offset"] >= offset
            finish(storm)
            wait_until(lambda: settled(url), relay_process, timeout=120, what="pipeline settled")
            assert_books_equal_the_exchange(url)


def test_the_relay_backs_off_while_kafka_is_down_and_catches_up(kafka, tmp_path):
    """The broker stops answering (SIGSTOP) while orders flow: the relay reports the failure, loses
    nothing, and delivers everything once the broker is back."""
    bootstrap, broker = kafka
    with relay(bootstrap, tmp_path, **IMPATIENT) as relay_process, rebuilder(bootstrap) as (url, _):
        os.kill(broker.pid, signal.SIGSTOP)
        try:
            storm = start_storm(seed=31)
            wait_until(lambda: RelayStatus.objects.exclude(last_error="").exists(), relay_process, timeout=60,
                       what="the relay noticing Kafka is down")
            finish(storm)
            assert (cursor_load(RELAY) or 0) < MarketEvent.objects.aggregate(m=Max("id"))["m"]
        finally:
            os.kill(broker.pid, signal.SIGCONT)
        wait_until(lambda: settled(url), relay_process, timeout=120, what="pipeline settled")
        assert_books_equal_the_exchange(url)
    assert_feed_is_the_outbox(bootstrap, duplicates_allowed=True)
