"""Market-maker tasks: fetch the maker's state, ask the strategy for quotes, and submit a tick's quote
changes to the sequencer as one batch, as the maker's own user."""

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from exchange import sequencer
from exchange.engine import SelfTradePrevention
from exchange.engine.fees import FeeSchedule
from exchange.engine.units import count_from_contracts, price_from_cents, price_to_cents
from exchange.models import Market
from exchange.selectors.holdings import market_holdings_get
from exchange.services import ExchangeError, OrderRequest
from marketmaker import strategy
from marketmaker.models import MarketMakerConfig
from marketmaker.selectors import QuotingMarket, quoting_market_get

log = logging.getLogger(__name__)

# Seeded from the OS; tests pass their own seeded Random to `tick`.
_rng = random.Random()


@dataclass(frozen=True)
class TickReport:
    ticker: str
    quoted: bool
    applied: int = 0
    failed: int = 0
    note: str = ""


@shared_task(ignore_result=True)
def quote_markets() -> int:
    """Tick every enabled market maker that is due; returns how many ticked."""
    ensure_default_config()
    now = timezone.now()
    ticked = 0
    for config in MarketMakerConfig.objects.filter(enabled=True):
        if claim(config, now):
            tick(config, rng=_rng)
            ticked += 1
    return ticked


def ensure_default_config() -> MarketMakerConfig | None:
    """Create the config for settings.MARKET_MAKER's market from the environment's values, once."""
    mm = settings.MARKET_MAKER
    market = Market.objects.filter(ticker=mm["TICKER"]).first()
    user = get_user_model().objects.filter(username=mm["USER"]).first()
    if market is None or user is None:
        return None
    config, _ = MarketMakerConfig.objects.get_or_create(market=market, defaults={
        "user": user, "interval_ms": mm["INTERVAL_MS"], "spread_cents": mm["SPREAD_CENTS"],
        "price_min_cents": mm["PRICE_MIN_CENTS"], "price_max_cents": mm["PRICE_MAX_CENTS"],
        "size_contracts": mm["QUANTITY"],
    })
    return config


def claim(config: MarketMakerConfig, now: datetime) -> bool:
    """Take this market's tick if it is due; a compare-and-set, so overlapping runs never both tick it."""
    # Half a poll of slack, so a scheduler firing slightly early does not skip a whole period.
    due = timedelta(milliseconds=config.interval_ms - settings.MARKET_MAKER_POLL_MS / 2)
    if config.last_tick_at is not None and now - config.last_tick_at < due:
        return False
    won = MarketMakerConfig.objects.filter(pk=config.pk, last_tick_at=config.last_tick_at).update(last_tick_at=now)
    if won:
        config.last_tick_at = now
    return bool(won)


def params_of(config: MarketMakerConfig) -> strategy.QuoteParams:
    return strategy.QuoteParams(
        levels=config.levels, level_spacing=price_from_cents(config.level_spacing_cents),
        spread=price_from_cents(config.spread_cents), size=count_from_contracts(config.size_contracts),
        price_min=price_from_cents(config.price_min_cents), price_max=price_from_cents(config.price_max_cents),
        walk_step=price_from_cents(config.walk_step_cents),
        inventory_limit=count_from_contracts(config.inventory_limit_contracts),
    )


def tick(config: MarketMakerConfig, *, rng: random.Random) -> TickReport:
    """Walk the fair value and replace the maker's quotes in one market; skips markets not trading."""
    market = quoting_market_get(market_id=config.market_id)
    reason = _not_quotable(market)
    if reason:
        return _record(config, TickReport(market.ticker, quoted=False, note=reason))
    params = params_of(config)
    fair_before = price_from_cents(config.fair_value_cents) if config.fair_value_cents is not None else None
    fair = strategy.walk(fair_before, params, rng)
    holdings = market_holdings_get(user_id=config.user_id, market_id=config.market_id)
    resting = [strategy.Resting(o.order_id, o.book_side, o.price, o.remaining, o.filled) for o in holdings.orders]
    # What the account could spend with the maker's own quotes here released.
    budget = holdings.balance - holdings.reserved + sum(o.reserved for o in holdings.orders)
    fees = FeeSchedule.for_series(market.fee_type, market.fee_multiplier)
    wanted = strategy.ladder(fair, params, position=holdings.position, budget=budget, fees=fees)
    applied, failed = apply(config.user_id, market.ticker, strategy.plan(resting, wanted))
    config.fair_value_cents = price_to_cents(fair)
    note = f"fair {config.fair_value_cents}¢, {len(wanted)} quotes, {applied} changes, {failed} refused"
    return _record(config, TickReport(market.ticker, quoted=True, applied=applied, failed=failed, note=note))


def apply(user_id: int, ticker: str, actions: list[strategy.Action]) -> tuple[int, int]:
    """Submit the plan as one batch and count what was (applied, refused).

    A refused action (say, the order filled meanwhile) is logged and skipped without undoing the others;
    the next tick starts again from what the exchange then holds.
    """
    if not actions:
        return 0, 0
    results = sequencer.execute_many([_command(user_id, ticker, action) for action in actions])
    failed = 0
    for action, result in zip(actions, results, strict=True):
        if isinstance(result, ExchangeError):
            failed += 1
            log.info("market maker on %s: %s refused: %s", ticker, action, result)
    return len(actions) - failed, failed


def _command(user_id: int, ticker: str, action: strategy.Action) -> tuple[str, dict]:
    """The sequencer command that carries out one planned action."""
    if isinstance(action, strategy.Cancel):
        return "order_cancel", {"user_id": user_id, "order_id": action.order_id}
    if isinstance(action, strategy.Amend):
        return "order_amend", {"user_id": user_id, "order_id": action.order_id, "yes_price": action.price,
                               "count": action.count}
    return "order_create", {"user_id": user_id, "request": OrderRequest(
        ticker=ticker, side="yes", action="buy" if action.book_side == strategy.BID else "sell",
        yes_price=action.price, count=action.count, self_trade_prevention_type=SelfTradePrevention.MAKER.value,
        source="mm")}


def _not_quotable(market: QuotingMarket) -> str:
    if market.status != Market.Status.ACTIVE:
        return f"skipped: market is {market.status}"
    if market.trading_paused:
        return "skipped: trading is paused on the exchange"
    return ""


def _record(config: MarketMakerConfig, report: TickReport) -> TickReport:
    # Only the fields a tick owns, so an admin's edit made meanwhile is not overwritten.
    config.last_tick_at = timezone.now()
    MarketMakerConfig.objects.filter(pk=config.pk).update(
        fair_value_cents=config.fair_value_cents, last_tick_at=config.last_tick_at, last_tick_note=report.note[:200])
    return report
