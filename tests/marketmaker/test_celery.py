"""A real Celery worker with beat (`celery -A kalshi_site worker -B`) quoting against the test Postgres
and Redis: the book moves, the maker's resting orders stay bounded, and a taken quote is re-quoted."""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from exchange import services
from exchange.engine.units import count_from_contracts
from exchange.models import Market, Order, Position
from marketmaker.models import MarketMakerConfig
from tests.support import servers
from tests.support.servers import child_process, test_database_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.postgres]


@contextmanager
def celery_worker(tmp_path: Path, **env: str):
    """Worker + beat in one process; it has no port, so readiness is the market maker's first tick."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL (scripts/test provides it)")
    # Its own Redis database, so the broker queue is not shared with anything else in the test run.
    broker = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/7"
    log_path = tmp_path / "celery.log"
    args = ["-m", "celery", "-A", "kalshi_site", "worker", "-B", "--pool", "solo", "--purge", "--loglevel", "INFO"]
    with child_process(args, env=test_database_env(REDIS_URL=broker, **env), log_path=log_path,
                       stop_timeout=15) as process:
        yield process, log_path


def wait_until(condition, process, log_path: Path, timeout: float = 60.0):
    return servers.wait_until(condition, process, timeout=timeout, interval=0.1, log_path=log_path)


def maker_env(market, maker) -> dict[str, str]:
    return {"MARKET_MAKER_TICKER": market.ticker, "MARKET_MAKER_USER": maker.username,
            "MARKET_MAKER_INTERVAL_MS": "200", "MARKET_MAKER_POLL_MS": "100",
            # A wide band, so the ladder is never cut short at its edges during the test.
            "MARKET_MAKER_PRICE_MIN": "10", "MARKET_MAKER_PRICE_MAX": "90"}


def resting_count(maker) -> int:
    return Order.objects.filter(user=maker, status=Order.Status.RESTING).count()


def test_worker_with_beat_moves_the_book_with_bounded_resting_orders(tmp_path, market, maker):
    """Beat drives the worker: book_seq keeps rising while the maker never has more than its ladder resting."""
    with celery_worker(tmp_path, **maker_env(market, maker)) as (process, log_path):
        wait_until(lambda: resting_count(maker) > 0, process, log_path)
        start = Market.objects.get(pk=market.pk).book_seq
        counts = []

        def moved() -> bool:
            counts.append(resting_count(maker))
            return Market.objects.get(pk=market.pk).book_seq >= start + 10

        wait_until(moved, process, log_path)
    config = MarketMakerConfig.objects.get(market=market)
    assert max(counts) <= 2 * config.levels
    assert Market.objects.get(pk=market.pk).yes_bid > 0


def test_worker_requotes_after_a_trader_takes_a_quote(tmp_path, market, maker, trader):
    """A trader lifting the maker's best ask is filled, and the worker puts a full ladder back."""
    with celery_worker(tmp_path, **maker_env(market, maker)) as (process, log_path):
        wait_until(lambda: Market.objects.get(pk=market.pk).yes_ask > 0, process, log_path)

        def take() -> bool:
            ask = Market.objects.get(pk=market.pk).yes_ask
            try:
                services.order_create(user=trader, request=services.OrderRequest(
                    ticker=market.ticker, side="yes", action="buy", yes_price=ask, count=count_from_contracts(100),
                    time_in_force="immediate_or_cancel"))
            except services.ExchangeError:
                return False
            return Position.objects.filter(user=trader, market=market, position__gt=0).exists()

        # The quote may move between reading it and taking it; retry until a fill happens.
        wait_until(take, process, log_path)
        orders_at_fill = Order.objects.filter(user=maker).count()
        config = MarketMakerConfig.objects.get(market=market)

        def requoted() -> bool:
            # The taken quote executed; a new order replaces it and the ladder is whole again.
            created = Order.objects.filter(user=maker).count() > orders_at_fill
            return created and resting_count(maker) == 2 * config.levels

        wait_until(requoted, process, log_path)
    assert Position.objects.get(user=maker, market=market).position < 0
