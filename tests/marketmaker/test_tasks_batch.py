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
from marketmaker.models import MarketMakerConfig
from tests.support.factories import make_market, make_user

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
        assert tasks.apply([(maker.pk, market.ticker, plan)]) == [(2, 1)]
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
    assert tasks.apply([(maker.pk, market.ticker, plan)]) == [(1, 1)]
    bid.refresh_from_db()
    assert (bid.status, bid.last_update_reason) == (Order.Status.CANCELED, "self_trade")
    assert resting(maker) == [("ask", price_from_cents(48))]
    assert not Trade.objects.filter(market=market).exists()


@pytest.fixture
def second(market, maker):
    """A second market quoted by the same maker."""
    other = make_market("TEST-MKT2")
    return MarketMakerConfig.objects.create(market=other, user=maker, levels=3, spread_cents=10, size_contracts=100,
                                            walk_step_cents=2, interval_ms=300)


def test_markets_ticked_together_share_one_batch_and_keep_their_own_counts(config, second, rng, batches):
    """Two markets ticked in one run submit one batch; each market's report counts only its own changes,
    and each tick's fair value and note are stored."""
    reports = tasks.tick_many([config, second], rng=rng)
    assert [r.ticker for r in reports] == [config.market.ticker, second.market.ticker]
    assert [(r.applied, r.failed) for r in reports] == [(6, 0), (6, 0)]
    [batch] = batches
    assert [kwargs["request"].ticker for _, kwargs in batch] == [config.market.ticker] * 6 + [second.market.ticker] * 6
    for each, report in zip((config, second), reports, strict=True):
        assert len(Order.objects.filter(market=each.market, status=Order.Status.RESTING)) == 6
        stored = MarketMakerConfig.objects.get(pk=each.pk)
        assert stored.last_tick_note == report.note and stored.fair_value_cents == each.fair_value_cents is not None


def test_a_refusal_in_one_market_undoes_nothing_in_another(maker, market, second):
    """One batch, two markets: the first market's refused amend leaves the second market's creates resting."""
    canceled = rest(maker, market, strategy.BID, 45)
    services.order_cancel(user=maker, order_id=str(canceled.id))
    plans = [(maker.pk, market.ticker,
              [strategy.Amend(str(canceled.id), strategy.BID, price_from_cents(44), count_from_contracts(100), 0)]),
             (maker.pk, second.market.ticker,
              [strategy.Create(strategy.BID, price_from_cents(40), count_from_contracts(100)),
               strategy.Create(strategy.ASK, price_from_cents(60), count_from_contracts(100))])]
    assert tasks.apply(plans) == [(0, 1), (2, 0)]
    assert sorted(o.price for o in Order.objects.filter(market=second.market, status=Order.Status.RESTING)) == [
        price_from_cents(40), price_from_cents(60)]


def test_a_skipped_market_does_not_hold_back_the_others(config, second, rng, batches):
    """A paused market is reported skipped while the other market in the same run is quoted."""
    services.market_pause(ticker=config.market.ticker)
    skipped, quoted = tasks.tick_many([config, second], rng=rng)
    assert not skipped.quoted and skipped.note == "skipped: market is inactive"
    assert quoted.quoted and quoted.applied == 6
    assert {kwargs["request"].ticker for _, kwargs in batches[0]} == {second.market.ticker}


def test_quote_markets_ticks_every_due_market_in_one_batch(config, second, batches, settings):
    """The scheduled task claims each due market and submits all their changes together."""
    settings.MARKET_MAKER = {**settings.MARKET_MAKER, "TICKER": "NONE"}  # no default config to seed
    assert tasks.quote_markets() == 2
    assert len(batches) == 1 and len(batches[0]) == 12


def test_a_run_reads_every_markets_state_in_two_queries(config, second, rng, monkeypatch):
    """Before submitting, ticking any number of one maker's markets makes two round trips: the markets
    with the exchange switches, and the maker's resting orders, positions and balance in all of them."""
    reads_before_submit: list[int] = []
    submit = sequencer.execute_many

    def counting(commands):
        reads_before_submit.append(len(queries.captured_queries))
        return submit(commands)

    monkeypatch.setattr(sequencer, "execute_many", counting)
    with CaptureQueriesContext(connection) as queries:
        reports = tasks.tick_many([config, second], rng=rng)  # first ticks: whole ladders to create
    assert [r.applied for r in reports] == [6, 6]
    assert reads_before_submit == [2]
