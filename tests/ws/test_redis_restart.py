"""Redis restarts during an order storm: the feed recovers by itself. While the layer is down subscribers'
books are brought forward from the outbox by book_seq; once it is back the server re-joins its groups.
Every subscriber's book, including ones that subscribed during and after the outage, ends equal to the
exchange's."""

import contextlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from exchange.models import Order
from tests.support.factories import make_market, make_user
from tests.support.servers import ROOT, daphne_server, free_port, redis_server, test_database_env, wait_until
from tests.support.ws_client import BookBuilder, FeedClient, exchange_book, ws_url

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TICKERS = ("RR-ONE", "RR-TWO")

# Each storm process places random orders on both markets (resting, crossing, cancelling) until the stop
# file exists, at most MAX_ORDERS of them. Publishing fails while Redis is down; the orders still commit.
STORM = textwrap.dedent("""
    import os, random, sys, django
    django.setup()
    from django.contrib.auth import get_user_model
    from exchange import services
    user = get_user_model().objects.get(username=sys.argv[1])
    stop, rng = sys.argv[2], random.Random(sys.argv[1])
    resting = []
    for _ in range(int(sys.argv[3])):
        if os.path.exists(stop):
            break
        if resting and rng.random() < 0.2:
            try:
                services.order_cancel(user=user, order_id=resting.pop(rng.randrange(len(resting))))
            except services.ExchangeError:
                pass
            continue
        side = rng.choice(["yes", "no"])
        cents = rng.randint(40, 60)
        try:
            order = services.order_create(user=user, request=services.OrderRequest(
                ticker=rng.choice(sys.argv[4:]), side=side, action="buy",
                yes_price=(cents if side == "yes" else 100 - cents) * 100, count=rng.randint(1, 5) * 100))
        except services.ExchangeError:
            continue
        if order.status == "resting":
            resting.append(str(order.id))
    from exchange.fanout import wait_idle
    wait_idle(10)
""")
MAX_ORDERS = 600


class Subscriber:
    """A feed client following both markets, with one book per market rebuilt from its frames."""

    def __init__(self, url: str) -> None:
        self.client = FeedClient(url)
        self.builders = {ticker: BookBuilder() for ticker in TICKERS}
        self.done = 0
        self.sid_ticker: dict[int, str] = {}
        for ticker in TICKERS:
            cmd = self.client.send("subscribe", channels=["orderbook_delta"], market_ticker=ticker)
            self.sid_ticker[self.client.reply(cmd)["msg"]["sid"]] = ticker

    def books(self) -> dict[str, dict]:
        frames = self.client.frames
        for frame in frames[self.done:]:
            if frame["type"] in ("orderbook_snapshot", "orderbook_delta"):
                self.builders[self.sid_ticker[frame["sid"]]].apply(frame)
        self.done = len(frames)
        return {ticker: builder.book() for ticker, builder in self.builders.items()}


def test_redis_restart_during_a_storm_loses_no_book_change(tmp_path: Path):
    """kill -9 Redis mid-storm, place orders while it is down, start it again: subscribers from before,
    during and after the outage all end with the exchange's book."""
    for ticker in TICKERS:
        make_market(ticker)
    users = [make_user(f"rr{i}") for i in range(3)]
    redis_port = free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = test_database_env(REDIS_URL=redis_url)
    stop = tmp_path / "stop"

    def orders_placed() -> int:
        return Order.objects.filter(market__ticker__in=TICKERS).count()

    with redis_server(redis_port) as redis, daphne_server(REDIS_URL=redis_url) as url:
        before = Subscriber(ws_url(url))
        storm = [subprocess.Popen([sys.executable, "-c", STORM, u.username, str(stop), str(MAX_ORDERS), *TICKERS],
                                  cwd=ROOT, env=env) for u in users]
        subscribers = [before]
        try:
            wait_until(lambda: orders_placed() >= 60, storm[0], timeout=120, what="the storm to start")
            redis.kill()
            redis.wait()
            outage_start = orders_placed()
            wait_until(lambda: orders_placed() >= outage_start + 60, storm[0], timeout=120, what="orders in the outage")
            subscribers.append(Subscriber(ws_url(url)))  # subscribes while the layer is down
            with redis_server(redis_port) as redis_again:
                restarted = orders_placed()
                wait_until(lambda: orders_placed() >= restarted + 60, storm[0], timeout=120, what="orders after")
                subscribers.append(Subscriber(ws_url(url)))
                stop.touch()
                assert [p.wait(120) for p in storm] == [0] * len(storm)
                expected = {ticker: exchange_book(ticker) for ticker in TICKERS}
                assert any(expected.values())
                for number, subscriber in enumerate(subscribers):
                    with contextlib.suppress(RuntimeError):
                        wait_until(lambda s=subscriber: s.books() == expected, redis_again, timeout=30)
                    books = subscriber.books()
                    wrong = {(t, k): (books[t].get(k), expected[t].get(k)) for t in TICKERS
                             for k in books[t].keys() | expected[t].keys() if books[t].get(k) != expected[t].get(k)}
                    assert not wrong, f"subscriber {number}: (theirs, exchange's) {wrong}"
        finally:
            stop.touch()
            for process in storm:
                if process.poll() is None:
                    process.kill()
            for subscriber in subscribers:
                subscriber.client.close()
