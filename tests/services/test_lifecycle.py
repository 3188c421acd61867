"""Market lifecycle: pause, resume, close, determine and settle."""

import pytest

from exchange import services
from exchange.engine.rejects import RejectCode
from exchange.models import MarketEvent, Order, Position, Settlement
from exchange.services import ExchangeError
from tests.services.conftest import account, place
from tests.support.invariants import total_money

pytestmark = pytest.mark.django_db


def test_pause_cancels_resting_orders_and_blocks_trading(trader, market):
    """A paused market has an empty book and refuses orders until resumed."""
    place(trader, market.ticker, "yes", "buy", 40, 5)
    services.market_pause(ticker=market.ticker)
    assert not Order.objects.filter(status="resting").exists() and account(trader).reserved == 0
    with pytest.raises(ExchangeError) as error:
        place(trader, market.ticker, "yes", "buy", 40, 5)
    assert error.value.code is RejectCode.MARKET_NOT_ACTIVE
    services.market_resume(ticker=market.ticker)
    assert place(trader, market.ticker, "yes", "buy", 40, 5).status == "resting"


def test_settlement_pays_a_dollar_per_winning_contract(trader, trader2, market):
    """YES holders get $1 per contract; settlements record revenue; money is conserved."""
    money = total_money()
    place(trader, market.ticker, "yes", "buy", 30, 10)
    place(trader2, market.ticker, "no", "buy", 70, 10)
    place(trader, market.ticker, "yes", "buy", 20, 5)  # still resting at settlement
    before = account(trader).balance
    services.market_determine(ticker=market.ticker, result="yes")
    market.refresh_from_db()
    assert market.status == "determined" and market.result == "yes"
    services.market_settle(ticker=market.ticker)
    market.refresh_from_db()
    assert market.status == "finalized" and market.open_interest == 0
    assert account(trader).balance == before + 10 * 10_000
    assert account(trader).reserved == 0 and not Order.objects.filter(status="resting").exists()
    winner = Settlement.objects.get(user=trader)
    assert (winner.yes_count, winner.revenue, winner.yes_total_cost) == (1_000, 100_000, 30_000)
    assert Settlement.objects.get(user=trader2).revenue == 0
    assert Position.objects.get(user=trader).realized_pnl == 100_000 - 30_000
    assert total_money() == money
    lifecycle = MarketEvent.objects.filter(market=market, kind="lifecycle").order_by("id")
    kinds = list(lifecycle.values_list("payload__event_type", flat=True))
    assert kinds[-2:] == ["determined", "settled"]


def test_settle_requires_determination(market):
    """Only determined markets settle."""
    with pytest.raises(ExchangeError):
        services.market_settle(ticker=market.ticker)


def test_expired_orders_are_canceled(trader, market):
    """Good-till-time orders are canceled once their expiration passes."""
    from datetime import timedelta

    from django.utils import timezone

    order = place(trader, market.ticker, "yes", "buy", 40, 1, expiration_time=timezone.now() + timedelta(seconds=5))
    assert services.orders_expire(now=timezone.now()) == 0
    assert services.orders_expire(now=timezone.now() + timedelta(seconds=10)) == 1
    order.refresh_from_db()
    assert order.status == "canceled" and order.last_update_reason == "expired"


def test_an_exchange_pause_refuses_orders_and_amends_but_not_cancels(trader, market):
    """The admin's trading switch stops order entry everywhere; cancels still go through."""
    from exchange.models import ExchangeState

    order = place(trader, market.ticker, "yes", "buy", 40, 5)
    ExchangeState.objects.update_or_create(pk=1, defaults={"trading_active": False})
    with pytest.raises(ExchangeError) as error:
        place(trader, market.ticker, "yes", "buy", 41, 1)
    assert error.value.code is RejectCode.EXCHANGE_PAUSED
    with pytest.raises(ExchangeError) as error:
        services.order_amend(user=trader, order_id=str(order.id), yes_price=4_100, count=500)
    assert error.value.code is RejectCode.EXCHANGE_PAUSED
    assert services.order_cancel(user=trader, order_id=str(order.id)).status == "canceled"


def test_pausing_trading_cancels_only_orders_that_asked_for_it(trader, market):
    """cancel_order_on_pause orders go when the exchange pauses; the rest keep resting."""
    flagged = place(trader, market.ticker, "yes", "buy", 40, 1, cancel_order_on_pause=True)
    plain = place(trader, market.ticker, "yes", "buy", 39, 1)
    services.exchange_trading_set(active=False)
    flagged.refresh_from_db()
    plain.refresh_from_db()
    assert (flagged.status, flagged.last_update_reason) == ("canceled", "trading_paused")
    assert plain.status == "resting"
    services.exchange_trading_set(active=True)
    assert place(trader, market.ticker, "yes", "buy", 38, 1).status == "resting"
