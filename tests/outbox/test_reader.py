"""The commit-safe reader on PostgreSQL: late commits are delivered, in id order, exactly once."""

import random
import threading
import time

import pytest
from django.db import connection, transaction

from exchange import services
from exchange.models import Market, MarketEvent
from exchange.outbox import EventKind, OutboxReader
from exchange.selectors import orderbook_at_seq
from exchange.services import ExchangeError
from tests.services.conftest import place
from tests.support.factories import make_market, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


def drain(reader: OutboxReader) -> list:
    out = []
    while batch := reader.read_batch(limit=50):
        out += batch
    return out


def drain_all(reader: OutboxReader, deadline_s: float = 30.0) -> list:
    """Everything committed, once no writer is left: reads until nothing is held back."""
    out, deadline = [], time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        out += drain(reader)
        if not reader.behind:
            break
    return out


def test_a_transaction_held_open_is_delivered_when_it_commits():
    """Events committed after a held transaction's ids wait for it, however long it is held (here
    longer than the 3 s the old reader waited before skipping), then all arrive in id order."""
    user, other = make_user(), make_user()
    held_market, busy_market = make_market(), make_market()
    reader = OutboxReader.at_head()
    start = reader.cursor
    ready, release, errors = threading.Event(), threading.Event(), []

    def hold():
        try:
            with transaction.atomic():
                place(user, held_market.ticker, "yes", "buy", 40, 1)
                ready.set()
                release.wait(30)
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert ready.wait(10)
    for cents in (41, 42, 43):
        place(other, busy_market.ticker, "yes", "buy", cents, 1)
    committed_later = set(MarketEvent.objects.filter(id__gt=start).values_list("id", flat=True))
    seen = drain(reader)
    time.sleep(3.5)
    seen += drain(reader)
    assert seen == [] and reader.behind
    release.set()
    holder.join(10)
    assert not errors
    seen += drain(reader)
    ids = [e.id for e in seen]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert set(ids) == set(MarketEvent.objects.filter(id__gt=start).values_list("id", flat=True)) >= committed_later
    held = [e for e in seen if e.market == held_market.ticker]
    assert held and max(e.id for e in held) < min(e.id for e in seen if e.market == busy_market.ticker)
    assert not reader.behind


def test_a_cursor_resumes_without_loss_or_repeat():
    """A reader started from another's cursor continues exactly where it stopped; kinds filter."""
    user = make_user()
    market = make_market()
    place(user, market.ticker, "yes", "buy", 40, 1)
    first = OutboxReader(kinds=[EventKind.BOOK])
    before = drain(first)
    place(user, market.ticker, "yes", "buy", 41, 1)
    after = drain(OutboxReader(after_id=first.cursor, kinds=[EventKind.BOOK]))
    assert [e.book_seq for e in before] == [1] and [e.book_seq for e in after] == [2]
    assert {e.kind for e in before + after} == {EventKind.BOOK}


def _storm(users, tickers, seed: int, errors: list) -> None:
    rng = random.Random(seed)
    try:
        for _ in range(60):
            user, ticker = rng.choice(users), rng.choice(tickers)
            try:
                roll = rng.random()
                if roll < 0.05:
                    services.orders_cancel_all(user=user)  # locks every market it touches, in turn
                elif roll < 0.15:
                    mine = user.orders.filter(status="resting").first()
                    if mine is not None:
                        services.order_decrease(user=user, order_id=str(mine.id), reduce_by=100)
                elif roll < 0.25:
                    mine = user.orders.filter(status="resting").first()
                    if mine is not None:
                        services.order_amend(user=user, order_id=str(mine.id), yes_price=rng.randint(40, 60) * 100,
                                             count=mine.fill_count + 300)
                else:
                    place(user, ticker, rng.choice(["yes", "no"]), rng.choice(["buy", "sell"]),
                          rng.randint(40, 60), rng.randint(1, 4))
            except ExchangeError:
                pass
    except Exception as error:
        errors.append(error)
    finally:
        connection.close()


def test_storm_every_event_once_and_one_book_event_per_book_seq():
    """Four writers on two markets with a reader tailing: every event is read once in id order, each
    market's book events carry book_seq 1..book_seq exactly once each, in order, and every consistent
    book read taken meanwhile equals the sum of the book events up to its book_seq."""
    users = [make_user(dollars=1_000_000) for _ in range(4)]
    tickers = [make_market().ticker, make_market().ticker]
    reader, seen, errors, done, writers_done = OutboxReader(), [], [], threading.Event(), threading.Event()

    def tail():
        try:
            while not done.is_set():
                seen.extend(reader.read_batch(limit=200))
            seen.extend(drain_all(reader))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    snapshots: list[tuple[str, int, dict]] = []

    def snapshot():
        try:
            while not writers_done.is_set():
                for ticker in tickers:
                    seq, levels = orderbook_at_seq(ticker)
                    snapshots.append((ticker, seq, levels))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    tailer, snapshotter = threading.Thread(target=tail), threading.Thread(target=snapshot)
    tailer.start()
    snapshotter.start()
    writers = [threading.Thread(target=_storm, args=(users, tickers, i, errors)) for i in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(120)
    writers_done.set()
    snapshotter.join(30)  # its locking reads are transactions too: let them end before the last reads
    done.set()
    tailer.join(60)
    assert not errors, errors[:3]
    ids = [e.id for e in seen]
    assert ids == sorted(set(ids)) == sorted(MarketEvent.objects.values_list("id", flat=True))
    for market in Market.objects.filter(ticker__in=tickers):
        seqs = [e.book_seq for e in seen if e.kind is EventKind.BOOK and e.market == market.ticker]
        assert market.book_seq > 0 and seqs == list(range(1, market.book_seq + 1))
    # Each (book_seq, levels) read is exactly the book its events add up to at that book_seq.
    books = {ticker: [{}] for ticker in tickers}
    for event in seen:
        if event.kind is EventKind.BOOK:
            book = dict(books[event.market][-1])
            for side, price, delta in event.payload["levels"]:
                book[(side, price)] = book.get((side, price), 0) + delta
            books[event.market].append({level: size for level, size in book.items() if size})
    assert len(snapshots) > 2
    for ticker, seq, levels in snapshots:
        assert levels == books[ticker][seq], (ticker, seq)


def test_reading_inside_a_transaction_is_refused():
    """Inside a transaction the reader would see that transaction's own uncommitted events: it refuses."""
    with transaction.atomic(), pytest.raises(RuntimeError, match="outside any transaction"):
        OutboxReader().read_batch()
