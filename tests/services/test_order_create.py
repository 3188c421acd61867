"""Placing orders: reservations, executions, fees, positions and rejects that change nothing."""

import pytest

from exchange.engine.rejects import RejectCode
from exchange.models import Fill, Market, MarketEvent, Order, Position, Trade
from exchange.services import ExchangeError
from tests.services.conftest import account, place
from tests.support.factories import make_market, make_user
from tests.support.invariants import total_money

pytestmark = pytest.mark.django_db


def test_resting_order_reserves_cost_plus_worst_case_fees(trader, market):
    """A resting buy reserves count x price plus the taker fee at its worst price."""
    order = place(trader, market.ticker, "yes", "buy", 40, 10)
    assert order.status == "resting" and order.remaining_count == 1000
    # $4.00 + ceil(0.07 x 10 x 0.40 x 0.60) = 17 cents.
    assert account(trader).reserved == 40_000 + 1_700
    assert account(trader).balance == 10_000 * 10_000


def test_crossing_order_executes_at_resting_price_and_charges_taker_fee(trader, trader2, market):
    """A marketable order fills at the maker's price; only the taker pays on a quadratic series."""
    place(trader, market.ticker, "yes", "buy", 40, 10)
    taker = place(trader2, market.ticker, "no", "buy", 60, 3)  # NO at 60 = YES ask at 40: crosses the 40 bid
    assert taker.status == "executed" and taker.fill_count == 300
    assert taker.taker_fill_cost == 3 * 6_000  # bought NO at 60 (YES 40)
    assert taker.taker_fees == 600  # ceil(0.07 x 3 x 0.24 = 5.04 cents)
    assert account(trader2).balance == 100_000_000 - 18_000 - 600
    maker = Order.objects.get(user=trader)
    assert (maker.remaining_count, maker.fill_count, maker.maker_fees) == (700, 300, 0)
    assert Position.objects.get(user=trader).position == 300
    assert Position.objects.get(user=trader2).position == -300
    trade = Trade.objects.get()
    assert (trade.price, trade.count, trade.taker_book_side) == (4_000, 300, "ask")
    assert Fill.objects.count() == 2


def test_maker_fees_apply_on_series_with_maker_fees(trader, trader2):
    """A quadratic_with_maker_fees series charges the maker 1.75%."""
    market = make_market("MAKERFEE", series="MF", fee_type="quadratic_with_maker_fees")
    place(trader, market.ticker, "yes", "buy", 50, 100)
    place(trader2, market.ticker, "yes", "sell", 50, 100)
    maker = Order.objects.get(user=trader)
    assert maker.maker_fees == 4_400  # ceil(0.0175 x 100 x 0.25 = 43.75 cents)


def test_market_state_follows_the_book(trader, trader2, market):
    """Best bid/ask with sizes, last price, volume and open interest are kept on the market row."""
    place(trader, market.ticker, "yes", "buy", 40, 10)
    place(trader2, market.ticker, "yes", "sell", 45, 5)
    market.refresh_from_db()
    assert (market.yes_bid, market.yes_bid_size, market.yes_ask, market.yes_ask_size) == (4_000, 1_000, 4_500, 500)
    place(trader2, market.ticker, "yes", "sell", 40, 4)
    market.refresh_from_db()
    assert (market.last_price, market.volume, market.open_interest, market.yes_bid_size) == (4_000, 400, 400, 600)


def test_book_seq_rises_once_per_book_change_with_one_book_event(trader, trader2, market):
    """Each order that changes the book bumps book_seq by one and writes one book event."""
    before = market.book_seq
    place(trader, market.ticker, "yes", "buy", 40, 10)
    place(trader2, market.ticker, "yes", "sell", 40, 4)
    market.refresh_from_db()
    assert market.book_seq == before + 2
    books = list(MarketEvent.objects.filter(market=market, kind="book").order_by("book_seq"))
    assert [e.book_seq for e in books] == [before + 1, before + 2]
    assert books[1].payload["levels"] == [["bid", 4_000, -400]]


@pytest.mark.parametrize(
    ("options", "code"),
    [
        (dict(cents=40, contracts=0), RejectCode.INVALID_COUNT),
        (dict(cents=0, contracts=1), RejectCode.INVALID_PRICE),
        (dict(cents=100, contracts=1), RejectCode.INVALID_PRICE),
    ],
)
def test_invalid_orders_are_rejected_without_change(trader, market, options, code):
    """Off-range prices and non-positive counts raise the domain error and write nothing."""
    money = total_money()
    with pytest.raises(ExchangeError) as error:
        place(trader, market.ticker, "yes", "buy", **options)
    assert error.value.code is code
    assert Order.objects.count() == 0 and total_money() == money and account(trader).reserved == 0


def test_off_tick_price_is_rejected(trader, market):
    """Prices must sit on the market's tick grid."""
    with pytest.raises(ExchangeError) as error:
        services_place_raw(trader, market.ticker, yes_price=4_050)
    assert error.value.code is RejectCode.INVALID_PRICE


def services_place_raw(user, ticker, *, yes_price):
    from exchange import services
    from exchange.services import OrderRequest

    return services.order_create(user=user, request=OrderRequest(ticker=ticker, side="yes", action="buy",
                                                                 yes_price=yes_price, count=100))


def test_unknown_and_inactive_markets_are_rejected(trader):
    """Orders need an existing, active market."""
    with pytest.raises(ExchangeError) as error:
        place(trader, "NOPE", "yes", "buy", 40, 1)
    assert error.value.code is RejectCode.MARKET_NOT_FOUND
    closed = make_market("CLOSEDMKT", status=Market.Status.CLOSED)
    with pytest.raises(ExchangeError) as error:
        place(trader, closed.ticker, "yes", "buy", 40, 1)
    assert error.value.code is RejectCode.MARKET_NOT_ACTIVE


def test_insufficient_balance_rejects_and_changes_nothing(market):
    """An order whose worst case exceeds the available balance is refused whole."""
    poor = make_user("poor", dollars=1)
    with pytest.raises(ExchangeError) as error:
        place(poor, market.ticker, "yes", "buy", 50, 3)
    assert error.value.code is RejectCode.INSUFFICIENT_BALANCE
    assert account(poor).reserved == 0 and Order.objects.count() == 0


def test_insufficient_balance_leaves_the_book_untouched_even_when_it_would_cross(trader, market):
    """A refused taker does not consume the resting order it would have hit."""
    place(trader, market.ticker, "yes", "sell", 40, 5)
    poor = make_user("poor2", dollars=1)
    with pytest.raises(ExchangeError):
        place(poor, market.ticker, "yes", "buy", 40, 5)
    assert Order.objects.get(user=trader).remaining_count == 500
    assert Trade.objects.count() == 0


def test_duplicate_client_order_id_among_open_orders(trader, market):
    """client_order_id is unique among a user's resting orders and reusable once they are done."""
    first = place(trader, market.ticker, "yes", "buy", 40, 1, client_order_id="abc")
    with pytest.raises(ExchangeError) as error:
        place(trader, market.ticker, "yes", "buy", 41, 1, client_order_id="abc")
    assert error.value.code is RejectCode.DUPLICATE_CLIENT_ORDER_ID
    from exchange import services

    services.order_cancel(user=trader, order_id=str(first.id))
    assert place(trader, market.ticker, "yes", "buy", 41, 1, client_order_id="abc").status == "resting"


def test_post_only_that_would_take_is_rejected(trader, trader2, market):
    """Post-only orders never take liquidity."""
    place(trader, market.ticker, "yes", "sell", 40, 1)
    with pytest.raises(ExchangeError) as error:
        place(trader2, market.ticker, "yes", "buy", 40, 1, post_only=True)
    assert error.value.code is RejectCode.POST_ONLY_CROSS


def test_ioc_cancels_the_remainder_and_releases_its_reservation(trader, trader2, market):
    """An IOC fills what it can; the rest is canceled and nothing stays reserved."""
    place(trader, market.ticker, "yes", "sell", 40, 2)
    order = place(trader2, market.ticker, "yes", "buy", 40, 5, time_in_force="immediate_or_cancel")
    assert (order.status, order.fill_count, order.remaining_count) == ("canceled", 200, 0)
    assert account(trader2).reserved == 0


def test_fill_or_kill_that_cannot_fill_changes_nothing(trader, trader2, market):
    """FOK executes completely or not at all."""
    place(trader, market.ticker, "yes", "sell", 40, 2)
    with pytest.raises(ExchangeError) as error:
        place(trader2, market.ticker, "yes", "buy", 40, 5, time_in_force="fill_or_kill")
    assert error.value.code is RejectCode.FILL_OR_KILL_UNFILLED
    assert Trade.objects.count() == 0


def test_buy_max_cost_caps_the_total_cost(trader, trader2, market):
    """buy_max_cost makes the order fill-or-kill within the cost cap."""
    place(trader, market.ticker, "yes", "sell", 40, 5)
    with pytest.raises(ExchangeError) as error:
        place(trader2, market.ticker, "yes", "buy", 40, 5, max_cost=19_999)
    assert error.value.code is RejectCode.MAX_COST_EXCEEDED
    order = place(trader2, market.ticker, "yes", "buy", 40, 5, max_cost=20_000)
    assert order.status == "executed"


def test_reduce_only_is_capped_at_the_position(trader, trader2, market):
    """Reduce-only sells no more than the position and is refused without one."""
    with pytest.raises(ExchangeError) as error:
        place(trader, market.ticker, "yes", "sell", 40, 1, reduce_only=True)
    assert error.value.code is RejectCode.REDUCE_ONLY_NO_POSITION
    place(trader2, market.ticker, "yes", "sell", 40, 3)
    place(trader, market.ticker, "yes", "buy", 40, 3)
    order = place(trader, market.ticker, "yes", "sell", 60, 10, reduce_only=True)
    assert order.remaining_count == 300


def test_self_trade_prevention_taker_at_cross(trader, market):
    """By default an order that would hit its owner's resting order stops there."""
    maker = place(trader, market.ticker, "yes", "sell", 40, 2)
    order = place(trader, market.ticker, "yes", "buy", 40, 2)
    assert order.status == "canceled" and order.fill_count == 0
    maker.refresh_from_db()
    assert maker.status == "resting" and Trade.objects.count() == 0


def test_self_trade_prevention_maker_cancels_the_resting_order(trader, trader2, market):
    """With `maker`, the owner's resting order is canceled and matching continues behind it."""
    own = place(trader, market.ticker, "yes", "sell", 40, 2)
    place(trader2, market.ticker, "yes", "sell", 40, 2)
    order = place(trader, market.ticker, "yes", "buy", 40, 2, self_trade_prevention_type="maker")
    own.refresh_from_db()
    assert own.status == "canceled" and order.status == "executed" and order.fill_count == 200
    assert account(trader).reserved == 0


def test_buying_the_opposite_side_nets_the_position_and_returns_a_dollar_per_pair(trader, trader2, market):
    """Closing pairs pays back $1 each; realized P&L is proceeds minus cost."""
    place(trader2, market.ticker, "yes", "sell", 40, 10)
    place(trader, market.ticker, "yes", "buy", 40, 10)
    balance_after_buy = account(trader).balance
    place(trader2, market.ticker, "yes", "buy", 55, 10)
    place(trader, market.ticker, "no", "buy", 45, 10)  # sells YES at 55
    position = Position.objects.get(user=trader)
    assert position.position == 0 and position.cost == 0
    assert position.realized_pnl == 10 * (5_500 - 4_000)
    fee = Order.objects.get(user=trader, side="no").taker_fees
    assert account(trader).balance == balance_after_buy + 10 * 5_500 - fee


def test_money_is_conserved_across_trading(trader, trader2, market):
    """Cash, collateral of open pairs and fees always add up to what was deposited."""
    money = total_money()
    place(trader, market.ticker, "yes", "buy", 40, 10)
    place(trader2, market.ticker, "no", "buy", 61, 7)
    place(trader2, market.ticker, "yes", "buy", 45, 3)
    place(trader, market.ticker, "no", "buy", 56, 20)
    assert total_money() == money


def test_best_bid_and_ask_stay_right_through_cancels_amends_and_fills(trader, trader2, market):
    """The market row's top of book always equals the best resting levels."""
    from django.db.models import Max, Min, Sum

    from exchange import services

    def assert_top():
        market.refresh_from_db()
        resting = Order.objects.filter(market=market, status="resting")
        for side, agg, price, size in (("bid", Max, market.yes_bid, market.yes_bid_size),
                                       ("ask", Min, market.yes_ask, market.yes_ask_size)):
            best = resting.filter(book_side=side).aggregate(p=agg("price"))["p"] or 0
            total = resting.filter(book_side=side, price=best).aggregate(s=Sum("remaining_count"))["s"] or 0
            assert (price, size) == (best, total), side

    a = place(trader, market.ticker, "yes", "buy", 40, 5)
    place(trader, market.ticker, "yes", "buy", 38, 5)
    assert_top()
    services.order_amend(user=trader, order_id=str(a.id), yes_price=4_200, count=500)
    assert_top()
    place(trader2, market.ticker, "yes", "sell", 42, 5)  # empties the best bid level
    assert_top()
    b = place(trader2, market.ticker, "yes", "sell", 45, 2)
    place(trader2, market.ticker, "yes", "sell", 47, 2)
    assert_top()
    services.order_cancel(user=trader2, order_id=str(b.id))
    assert_top()
    services.order_decrease(user=trader, order_id=str(Order.objects.get(price=3_800).id), reduce_by=100)
    assert_top()


def test_a_sweep_through_more_resting_orders_than_one_read_batch(trader, trader2, market):
    """An order that crosses dozens of resting orders fills through all of them in priority."""
    for i in range(40):
        place(trader, market.ticker, "yes", "sell", 40 + i % 5, 1)
    order = place(trader2, market.ticker, "yes", "buy", 44, 39)
    assert order.fill_count == 3_900 and order.status == "executed"
    prices = list(Trade.objects.order_by("created_at", "book_seq").values_list("price", flat=True))
    assert sorted(prices) == sorted([4_000 + 100 * (i % 5) for i in range(40)])[:39]
    assert Order.objects.filter(user=trader, status="resting").get().price == 4_400
