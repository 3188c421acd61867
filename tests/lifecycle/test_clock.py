"""The market clock's beat tasks under a frozen clock: open, close, expire, settle, and the fast clock."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from exchange import services, tasks
from exchange.engine.units import ONE_DOLLAR, count_from_contracts, price_from_cents
from exchange.models import Account, Market, MarketEvent, Order, Position, Settlement
from tests.support.factories import make_market

pytestmark = pytest.mark.django_db
START = 10_000 * ONE_DOLLAR


def lifecycle_events(market) -> list[str]:
    return [e.payload.get("event_type") for e in MarketEvent.objects.filter(market=market, kind="lifecycle")
            .order_by("id")]


def rest(user, market, *, action="buy", cents=40, contracts=10, **extra) -> Order:
    return services.order_create(user=user, request=services.OrderRequest(
        ticker=market.ticker, side="yes", action=action, yes_price=price_from_cents(cents),
        count=count_from_contracts(contracts), **extra))


def account(user) -> Account:
    return Account.objects.get(user=user)


def test_market_opens_at_open_time():
    """An initialized market stays so before open_time and becomes active at it, with a lifecycle event."""
    market = make_market("CLK-OPEN", status=Market.Status.INITIALIZED)
    opens = timezone.now() + timedelta(hours=1)
    Market.objects.filter(pk=market.pk).update(open_time=opens)
    with time_machine.travel(opens - timedelta(seconds=1), tick=False):
        assert tasks.markets_open() == []
    with time_machine.travel(opens, tick=False):
        assert tasks.markets_open() == ["CLK-OPEN"]
    assert Market.objects.get(pk=market.pk).status == Market.Status.ACTIVE
    assert lifecycle_events(market) == ["activated"]


def test_market_closes_at_close_time_canceling_orders_and_releasing_reserves(trader):
    """At close_time the market closes, its resting orders are canceled and their reserves released."""
    market = make_market("CLK-CLOSE", close_in=timedelta(hours=2))
    order = rest(trader, market)
    assert account(trader).reserved > 0
    close = Market.objects.get(pk=market.pk).close_time
    with time_machine.travel(close - timedelta(seconds=1), tick=False):
        assert tasks.markets_close() == []
    with time_machine.travel(close + timedelta(seconds=1), tick=False):
        assert tasks.markets_close() == ["CLK-CLOSE"]
    assert Market.objects.get(pk=market.pk).status == Market.Status.CLOSED
    order.refresh_from_db()
    assert (order.status, order.last_update_reason) == (Order.Status.CANCELED, "market_closed")
    assert (account(trader).balance, account(trader).reserved) == (START, 0)
    assert "activated" in lifecycle_events(market) and lifecycle_events(market)[-1] == "close_date_updated"


def test_orders_expire_at_their_expiration_time(trader):
    """A good-till-time order rests until its expiration_time, then is canceled and its reserve released."""
    market = make_market("CLK-EXP")
    expires = timezone.now() + timedelta(minutes=5)
    keep = rest(trader, market, cents=30)
    gtt = rest(trader, market, cents=35, expiration_time=expires)
    with time_machine.travel(expires - timedelta(seconds=1), tick=False):
        assert tasks.orders_expire() == 0
    with time_machine.travel(expires, tick=False):
        assert tasks.orders_expire() == 1
    gtt.refresh_from_db()
    keep.refresh_from_db()
    assert (gtt.status, gtt.last_update_reason, gtt.reserved) == (Order.Status.CANCELED, "expired", 0)
    assert keep.status == Order.Status.RESTING
    assert account(trader).reserved == keep.reserved


def test_determined_market_settles_after_the_timer_and_pays_exactly(trader, trader2):
    """After determination YES and the settlement timer, YES holders get $1 per contract; balances exact."""
    market = make_market("CLK-SETTLE")
    Market.objects.filter(pk=market.pk).update(settlement_timer_seconds=600)
    rest(trader2, market, action="sell", cents=40, contracts=10)  # bob sells YES at 40¢ (pays 60¢ NO)
    rest(trader, market, action="buy", cents=40, contracts=10, time_in_force="immediate_or_cancel")
    # alice paid $4.00 + taker fee ceil(7% x 10 x 0.40 x 0.60) = $0.17; bob, the maker, $6.00 and no fee.
    assert account(trader).balance == START - 4 * ONE_DOLLAR - 1700
    assert account(trader2).balance == START - 6 * ONE_DOLLAR
    services.market_determine(ticker=market.ticker, result="yes")
    determined_at = Market.objects.get(pk=market.pk).determined_at
    with time_machine.travel(determined_at + timedelta(seconds=599), tick=False):
        assert tasks.markets_settle() == []
    assert Market.objects.get(pk=market.pk).status == Market.Status.DETERMINED
    with time_machine.travel(determined_at + timedelta(seconds=600), tick=False):
        assert tasks.markets_settle() == ["CLK-SETTLE"]
    market.refresh_from_db()
    assert market.status == Market.Status.FINALIZED and market.open_interest == 0
    assert account(trader).balance == START - 4 * ONE_DOLLAR - 1700 + 10 * ONE_DOLLAR
    assert account(trader2).balance == START - 6 * ONE_DOLLAR
    assert account(trader).reserved == account(trader2).reserved == 0
    alice = Settlement.objects.get(user=trader, market=market)
    assert (alice.revenue, alice.yes_count, alice.yes_total_cost) == (10 * ONE_DOLLAR, 1000, 4 * ONE_DOLLAR)
    assert Settlement.objects.get(user=trader2, market=market).revenue == 0
    assert Position.objects.get(user=trader, market=market).realized_pnl == 6 * ONE_DOLLAR
    assert lifecycle_events(market)[-2:] == ["determined", "settled"]


def test_clock_tasks_leave_other_markets_alone(trader):
    """Markets not yet due are untouched by every clock task."""
    market = make_market("CLK-IDLE")
    order = rest(trader, market)
    assert (tasks.markets_open(), tasks.markets_close(), tasks.orders_expire(), tasks.markets_settle()) == (
        [], [], 0, [])
    order.refresh_from_db()
    assert order.status == Order.Status.RESTING
    assert Market.objects.get(pk=market.pk).status == Market.Status.ACTIVE


def test_fast_forward_closes_determines_and_settles_now(trader, trader2):
    """The fast clock takes an active market to finalized at once, NO paying the NO holder exactly."""
    market = make_market("CLK-FAST")
    rest(trader2, market, action="sell", cents=70, contracts=5)
    rest(trader, market, action="buy", cents=70, contracts=5, time_in_force="immediate_or_cancel")
    resting = rest(trader, market, action="buy", cents=20, contracts=3)
    services.market_fast_forward(ticker=market.ticker, result="no")
    market.refresh_from_db()
    resting.refresh_from_db()
    assert market.status == Market.Status.FINALIZED and market.result == "no"
    assert resting.status == Order.Status.CANCELED
    # alice: $3.50 + fee ceil(7% x 5 x 0.70 x 0.30) = $0.08, and no payout; bob: $1.50, then $5.00 back.
    assert (account(trader).balance, account(trader).reserved) == (START - 35_000 - 800, 0)
    assert account(trader2).balance == START - 15_000 + 5 * ONE_DOLLAR
    assert lifecycle_events(market)[-3:] == ["close_date_updated", "determined", "settled"]


def test_initialized_market_past_its_close_time_is_closed_not_opened():
    """A market that never opened before its close_time goes straight to closed."""
    market = make_market("CLK-LATE", status=Market.Status.INITIALIZED, close_in=timedelta(minutes=1))
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        assert tasks.markets_open() == []
        assert tasks.markets_close() == ["CLK-LATE"]
    assert Market.objects.get(pk=market.pk).status == Market.Status.CLOSED


def test_a_market_moved_meanwhile_is_skipped_without_failing_the_run():
    """A transition the services refuse (the market already moved on) is skipped; the others proceed."""
    first = make_market("CLK-A", close_in=timedelta(minutes=1))
    make_market("CLK-B", close_in=timedelta(minutes=1))
    due = list(Market.objects.filter(ticker__in=["CLK-A", "CLK-B"]).order_by("ticker"))
    services.market_close(ticker=first.ticker)
    assert tasks._each(due, lambda ticker: services.market_close(ticker=ticker)) == ["CLK-B"]
