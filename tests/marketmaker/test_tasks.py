"""Market-maker ticks against the database: quotes, replacement, fills, skew, limits, skipping."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from exchange import services
from exchange.engine.fees import FeeSchedule
from exchange.engine.units import count_from_contracts, price_from_cents
from exchange.models import Account, Market, Order, Position, Trade
from marketmaker import strategy, tasks
from marketmaker.models import MarketMakerConfig
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db


def resting(config) -> list[Order]:
    return list(Order.objects.filter(user=config.user, market=config.market, status=Order.Status.RESTING))


def ladder_of(config) -> list[tuple[str, int, int]]:
    return sorted((o.book_side, o.price, o.remaining_count) for o in resting(config))


def test_first_tick_quotes_a_ladder_inside_the_band(config, rng):
    """The first tick rests levels bids and asks, inside the band, spread apart at the top."""
    report = tasks.tick(config, rng=rng)
    assert report.quoted and report.failed == 0
    orders = resting(config)
    bids = [o.price for o in orders if o.book_side == "bid"]
    asks = [o.price for o in orders if o.book_side == "ask"]
    assert len(bids) == len(asks) == 3
    assert all(price_from_cents(33) <= p <= price_from_cents(67) for p in bids + asks)
    assert min(asks) - max(bids) == price_from_cents(10)
    assert all(o.remaining_count == count_from_contracts(100) for o in orders)
    assert {o.self_trade_prevention_type for o in orders} == {"maker"}
    market = Market.objects.get(pk=config.market_id)
    assert (market.yes_bid, market.yes_ask) == (max(bids), min(asks))


def test_ticks_replace_quotes_instead_of_adding(config, rng):
    """After every tick the maker's resting orders are exactly the ladder around that tick's fair value."""
    fees = FeeSchedule.for_series("quadratic")
    for _ in range(12):
        tasks.tick(config, rng=rng)
        config.refresh_from_db()
        wanted = strategy.ladder(price_from_cents(config.fair_value_cents), tasks.params_of(config), position=0,
                                 budget=10**12, fees=fees)
        assert ladder_of(config) == sorted((q.book_side, q.price, q.count) for q in wanted)
        assert len(resting(config)) <= 6
    assert Order.objects.filter(user=config.user).count() < 12 * 6  # amended in place, not replaced each time


def test_book_moves_and_old_quotes_are_gone(config, rng):
    """A tick that moves the fair value changes the book and leaves no quote at the old prices."""
    tasks.tick(config, rng=rng)
    config.refresh_from_db()
    before, seq = ladder_of(config), Market.objects.get(pk=config.market_id).book_seq
    for _ in range(10):
        tasks.tick(config, rng=rng)
        config.refresh_from_db()
        if ladder_of(config) != before:
            break
    assert ladder_of(config) != before
    assert Market.objects.get(pk=config.market_id).book_seq > seq


def test_the_maker_never_trades_with_itself(config, rng):
    """Over many ticks no trade has the maker on both sides, and its own quotes never cross."""
    for _ in range(15):
        tasks.tick(config, rng=rng)
        config.refresh_from_db()
        orders = resting(config)
        assert max(o.price for o in orders if o.book_side == "bid") < min(
            o.price for o in orders if o.book_side == "ask")
    assert not Trade.objects.filter(market=config.market).exists()
    assert not Order.objects.filter(user=config.user, last_update_reason="self_trade").exists()


def steady(config, rng) -> list:
    """Hold the fair value at 50¢ so that only inventory moves the quotes; quote once and return that ladder."""
    MarketMakerConfig.objects.filter(pk=config.pk).update(walk_step_cents=0, fair_value_cents=50)
    config.refresh_from_db()
    tasks.tick(config, rng=rng)
    return ladder_of(config)


def trader_takes(trader, config, action: str, cents: int) -> None:
    """The trader sends an immediate-or-cancel order for 300 YES contracts at `cents` against the maker."""
    services.order_create(user=trader, request=services.OrderRequest(
        ticker=config.market.ticker, side="yes", action=action, yes_price=price_from_cents(cents),
        count=count_from_contracts(300), time_in_force="immediate_or_cancel"))


def test_a_taken_quote_is_requoted_next_tick_skewed_up(config, rng, trader):
    """A trader lifting all the asks fills the maker; the next tick restores the ladder, shaded up (short YES)."""
    flat = steady(config, rng)
    trader_takes(trader, config, "buy", 57)
    assert Position.objects.get(user=config.user, market=config.market).position == -count_from_contracts(300)
    assert [s for s, _, _ in ladder_of(config)] == ["bid", "bid", "bid"]
    tasks.tick(config, rng=rng)
    requoted = ladder_of(config)
    assert len(requoted) == 6
    assert [p for s, p, _ in requoted] == [p + price_from_cents(1) for s, p, _ in flat]


def test_long_inventory_shades_quotes_down(config, rng, trader):
    """Buying YES from a trader leaves the maker long YES, and its next quotes are lower on both sides."""
    flat = steady(config, rng)
    trader_takes(trader, config, "sell", 43)
    tasks.tick(config, rng=rng)
    assert [p for s, p, _ in ladder_of(config)] == [p - price_from_cents(1) for s, p, _ in flat]


def test_inventory_limit_stops_the_bids(config, rng, trader):
    """Once the maker is long its inventory limit it stops bidding but keeps offering."""
    MarketMakerConfig.objects.filter(pk=config.pk).update(inventory_limit_contracts=300)
    steady(config, rng)
    trader_takes(trader, config, "sell", 1)
    tasks.tick(config, rng=rng)
    sides = [o.book_side for o in resting(config)]
    assert "bid" not in sides and sides.count("ask") == 3


def test_balance_limits_how_much_is_quoted(market, rng):
    """A maker that can afford only part of its ladder quotes what it can and never overdraws."""
    poor = make_user("poor-bot", dollars=100)
    config = MarketMakerConfig.objects.create(market=market, user=poor, levels=3, size_contracts=100)
    tasks.tick(config, rng=rng)
    account = Account.objects.get(user=poor)
    assert 0 < len(resting(config)) < 6
    assert 0 <= account.reserved <= account.balance


def test_skips_markets_not_active_and_resumes(config, rng):
    """A paused market gets no quotes; once resumed the next tick quotes it again."""
    tasks.tick(config, rng=rng)
    services.market_pause(ticker=config.market.ticker)
    report = tasks.tick(config, rng=rng)
    assert not report.quoted and resting(config) == []
    services.market_resume(ticker=config.market.ticker)
    assert tasks.tick(config, rng=rng).quoted
    assert len(resting(config)) == 6


def test_skips_while_exchange_trading_is_paused_and_resumes(config, rng):
    """With trading paused exchange-wide the tick leaves the quotes alone; once resumed it quotes again."""
    tasks.tick(config, rng=rng)
    config.refresh_from_db()
    before = ladder_of(config)
    services.exchange_trading_set(active=False)
    report = tasks.tick(config, rng=rng)
    assert not report.quoted and report.note == "skipped: trading is paused on the exchange"
    assert ladder_of(config) == before
    services.exchange_trading_set(active=True)
    assert tasks.tick(config, rng=rng).quoted


def test_claim_lets_one_run_tick_a_market_per_interval(config):
    """A due market is claimed once; a second claim within the interval is refused."""
    now = timezone.now()
    first = MarketMakerConfig.objects.get(pk=config.pk)
    second = MarketMakerConfig.objects.get(pk=config.pk)
    assert tasks.claim(first, now)
    assert not tasks.claim(second, now)
    assert not tasks.claim(first, now + timedelta(milliseconds=10))
    assert tasks.claim(first, now + timedelta(milliseconds=config.interval_ms))


def test_quote_markets_creates_the_default_config_from_settings(market, maker):
    """The first run seeds the configured market's config from MARKET_MAKER_* values, then quotes it."""
    values = {"TICKER": market.ticker, "USER": maker.username, "INTERVAL_MS": 700, "PRICE_MIN_CENTS": 20,
              "PRICE_MAX_CENTS": 80, "SPREAD_CENTS": 6, "QUANTITY": 25}
    with override_settings(MARKET_MAKER=values):
        assert tasks.quote_markets() == 1
        assert tasks.quote_markets() == 0  # not due again yet
    config = MarketMakerConfig.objects.get(market=market)
    assert (config.interval_ms, config.price_min_cents, config.price_max_cents, config.spread_cents,
            config.size_contracts) == (700, 20, 80, 6, 25)
    assert config.last_tick_at is not None
    assert {o.remaining_count for o in resting(config)} == {count_from_contracts(25)}


def test_disabled_config_is_not_quoted(config):
    """An admin disabling a market's maker stops its ticks."""
    MarketMakerConfig.objects.filter(pk=config.pk).update(enabled=False)
    with override_settings(MARKET_MAKER={**tasks.settings.MARKET_MAKER, "TICKER": "NOPE"}):
        assert tasks.quote_markets() == 0
    assert resting(config) == []
