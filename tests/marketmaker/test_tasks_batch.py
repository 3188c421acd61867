"""A tick's quote changes go to the sequencer as one batch: each action counted on its own, a refusal
undoing none of the others, the maker's self-trade prevention intact."""

import logging
import pickle

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchange import sequencer, services
from exchange.engine.units import count_from_contracts, price_from_cents
from exchange.models import Order, Trade
from marketmaker import strategy, tasks
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def batches(monkeypatch) -> list[list[tuple[str, dict]]]:
    """Every batch the maker submits, recorded on its way to the real exchange.sequencer.execute_many."""
    submitted: list[list[tuple[str, dict]]] = []
    real = sequencer.execute_many

    def recording(commands):
        submitted.append(list(commands))
        return real(commands)

    monkeypatch.setattr(sequencer, "execute_many", recording)
    return submitted


def rest(user, market, book_side: str, cents: int, contracts: int = 100) -> Order:
    """A maker-style resting order (maker self-trade prevention), placed directly."""
    return services.order_create(user=user, request=services.OrderRequest(
        ticker=market.ticker, side="yes", action="buy" if book_side == strategy.BID else "sell",
        yes_price=price_from_cents(cents), count=count_from_contracts(contracts), self_trade_prevention_type="maker"))


def resting(user) -> list[tuple[str, int]]:
    return sorted((o.book_side, o.price) for o in Order.objects.filter(user=user, status=Order.Status.RESTING))


def test_each_tick_submits_its_changes_as_one_batch(config, rng, batches):
    """Every tick with changes submits exactly one batch, holding all of them, as the maker's user_id."""
    for _ in range(8):
        before = len(batches)
        report = tasks.tick(config, rng=rng)
        config.refresh_from_db()
        changes = report.applied + report.failed
        assert len(batches) == before + (1 if changes else 0)
        if changes:
            assert len(batches[-1]) == changes
    assert batches[0] and {name for name, _ in batches[0]} == {"order_create"}
    names = {name for batch in batches for name, _ in batch}
    assert names <= {"order_create", "order_amend", "order_cancel"} and "order_amend" in names
    assert {kwargs["user_id"] for batch in batches for _, kwargs in batch} == {config.user_id}


def test_batched_commands_survive_pickling(config, rng, batches):
    """The commands cross a process boundary unchanged (the sequencer may run in another process)."""
    tasks.tick(config, rng=rng)
    config.refresh_from_db()
    tasks.tick(config, rng=rng)
    for batch in batches:
        assert pickle.loads(pickle.dumps(batch)) == batch


def test_a_refused_action_mid_batch_does_not_undo_the_others(maker, trader, market, caplog):
    """An amend of a quote a trader has just taken is refused; the creates before and after it still rest."""
    taken = rest(maker, market, strategy.BID, 45)
    services.order_create(user=trader, request=services.OrderRequest(
        ticker=market.ticker, side="yes", action="sell", yes_price=price_from_cents(45),
        count=count_from_contracts(100), time_in_force="immediate_or_cancel"))
    plan = [strategy.Create(strategy.BID, price_from_cents(40), count_from_contracts(100)),
            strategy.Amend(str(taken.id), strategy.BID, price_from_cents(44), count_from_contracts(100), 0),
            strategy.Create(strategy.ASK, price_from_cents(60), count_from_contracts(100))]
    with caplog.at_level(logging.INFO, logger="marketmaker.tasks"):
        assert tasks.apply(maker.pk, market.ticker, plan) == (2, 1)
    assert resting(maker) == [("ask", price_from_cents(60)), ("bid", price_from_cents(40))]
    [refusal] = [r for r in caplog.records if "refused" in r.getMessage()]
    assert str(taken.id) in refusal.getMessage() and market.ticker in refusal.getMessage()


def test_a_refused_retreat_cannot_make_the_maker_trade_with_itself(market, caplog):
    """If the amend moving the bid away is refused, the ask that now crosses it cancels the maker's own
    bid instead of trading with it: the batch's orders keep maker self-trade prevention, which on Kalshi
    "cancels the resting maker order and continues matching"
    (https://docs.kalshi.com/api-reference/orders/create-order, self_trade_prevention_type)."""
    maker = make_user("small-bot", dollars=200)
    bid = rest(maker, market, strategy.BID, 50)
    # The retreat asks for more than the account can collateralize, so it is refused and the bid stays at 50¢.
    plan = [strategy.Amend(str(bid.id), strategy.BID, price_from_cents(45), count_from_contracts(1_000), 0),
            strategy.Create(strategy.ASK, price_from_cents(48), count_from_contracts(100))]
    assert tasks.apply(maker.pk, market.ticker, plan) == (1, 1)
    bid.refresh_from_db()
    assert (bid.status, bid.last_update_reason) == (Order.Status.CANCELED, "self_trade")
    assert resting(maker) == [("ask", price_from_cents(48))]
    assert not Trade.objects.filter(market=market).exists()


def test_a_tick_reads_the_makers_state_in_two_queries(config, rng, monkeypatch):
    """Before submitting, a tick makes two round trips: the market with the exchange switches, and the
    maker's resting orders, position and balance together."""
    reads_before_submit: list[int] = []
    submit = sequencer.execute_many

    def counting(commands):
        reads_before_submit.append(len(queries.captured_queries))
        return submit(commands)

    monkeypatch.setattr(sequencer, "execute_many", counting)
    with CaptureQueriesContext(connection) as queries:
        report = tasks.tick(config, rng=rng)  # the first tick: its whole ladder is to be created
    assert report.applied == 6
    assert reads_before_submit == [2]
