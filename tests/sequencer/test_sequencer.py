"""The sequencer: batches share one commit, refusals stay apart, memory never goes stale, and
nothing is acknowledged that did not commit."""

from unittest import mock

import pytest
from django.db import OperationalError

from exchange.engine.rejects import RejectCode
from exchange.models import Account, Market, Order
from exchange.sequencer import execute_many
from exchange.sequencer.api import local_sequencer
from exchange.sequencer.batch import Batch
from exchange.sequencer.sequencer import Command, Sequencer
from exchange.services import OrderRequest
from tests.support.factories import make_market, make_user


def _buy(ticker: str, cents: int, contracts: int = 1, **options) -> OrderRequest:
    return OrderRequest(ticker=ticker, side="yes", action="buy", yes_price=cents * 100, count=contracts * 100,
                        **options)


def _sell(ticker: str, cents: int, contracts: int = 1) -> OrderRequest:
    return OrderRequest(ticker=ticker, side="yes", action="sell", yes_price=cents * 100, count=contracts * 100)


def _create(user, request: OrderRequest) -> Command:
    return Command("order_create", {"user_id": user.pk, "request": request})


@pytest.mark.django_db
def test_a_refused_command_in_a_batch_leaves_the_others_committed():
    rich, poor = make_user("rich"), make_user("poor", dollars=1)
    market = make_market("SEQ-A")
    commands = [_create(rich, _buy(market.ticker, 40)), _create(poor, _buy(market.ticker, 40, 100)),
                _create(rich, _buy(market.ticker, 41, client_order_id="c1")),
                _create(rich, _buy(market.ticker, 42, client_order_id="c1"))]
    sequencer = Sequencer()
    sequencer.run(commands)
    assert sequencer.batches == 1
    outcomes = [c.future.exception() or c.future.result() for c in commands]
    assert isinstance(outcomes[0], Order) and isinstance(outcomes[2], Order)
    assert outcomes[1].code is RejectCode.INSUFFICIENT_BALANCE
    assert outcomes[3].code is RejectCode.DUPLICATE_CLIENT_ORDER_ID  # used earlier in the same batch
    assert sorted(Order.objects.values_list("price", flat=True)) == [4_000, 4_100]
    assert Account.objects.get(user=poor).reserved == 0


@pytest.mark.django_db
def test_memory_reloads_a_market_another_writer_moved():
    """Two sequencers (as two processes would have) on one market: each sees the other's orders."""
    seller, buyer = make_user("seller"), make_user("buyer")
    market = make_market("SEQ-B")
    first, second = Sequencer(), Sequencer()
    resting = Command("order_create", {"user_id": seller.pk, "request": _sell(market.ticker, 55)})
    first.run([resting])
    second.run([_create(seller, _sell(market.ticker, 50))])  # first's memory of the market is now old
    taker = _create(buyer, _buy(market.ticker, 60, 2))
    first.run([taker])
    order = taker.future.result()
    assert order.fill_count == 200 and order.status == "executed"
    assert Order.objects.filter(status="resting").count() == 0
    assert Market.objects.get(pk=market.pk).version == first.memory[market.pk].version


@pytest.mark.django_db
def test_a_failed_commit_acknowledges_nothing_and_forgets_memory():
    seller, buyer = make_user("seller"), make_user("buyer")
    market = make_market("SEQ-C")
    sequencer = Sequencer()
    sequencer.run([_create(seller, _sell(market.ticker, 50))])
    doomed = [_create(buyer, _buy(market.ticker, 50)), _create(seller, _sell(market.ticker, 51))]
    with mock.patch.object(Batch, "write", side_effect=OperationalError("connection lost")):
        sequencer.run(doomed)
    assert all(isinstance(c.future.exception(), OperationalError) for c in doomed)
    assert sequencer.memory == {}
    assert Order.objects.count() == 1 and Order.objects.get().status == "resting"
    retry = _create(buyer, _buy(market.ticker, 50))
    sequencer.run([retry])
    assert retry.future.result().fill_count == 100


@pytest.mark.django_db
def test_a_restart_loads_every_resting_order_in_priority_order():
    user = make_user("maker")
    market = make_market("SEQ-D")
    for cents in (30, 31, 30, 70, 71):
        request = _buy(market.ticker, cents) if cents < 50 else _sell(market.ticker, cents)
        local_sequencer().run([_create(user, request)])
    fresh = Sequencer()
    assert fresh.warm() == 5
    memory = fresh.memory[market.pk]
    assert memory.version == Market.objects.get(pk=market.pk).version
    tables = list(Order.objects.filter(market=market, book_side="bid", price=3_000).order_by("priority")
                  .values_list("id", flat=True))
    assert [o.id for o in memory.sides["bid"].levels[3_000].values()] == tables
    assert memory.sides["ask"].prices == [7_000, 7_100]


@pytest.mark.django_db(transaction=True)
def test_the_thread_mode_commits_concurrent_orders_together(settings):
    settings.ENGINE_MODE = "thread"
    user = make_user("batcher", dollars=100_000)
    market = make_market("SEQ-E")
    before = local_sequencer().batches
    results = execute_many([("order_create", {"user_id": user.pk, "request": _buy(market.ticker, 1 + i % 40)})
                            for i in range(60)])
    assert all(isinstance(r, Order) for r in results)
    assert local_sequencer().batches - before < 60
    assert Order.objects.filter(status="resting").count() == 60
