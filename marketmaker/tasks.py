"""Market-maker tasks: fetch the maker's state, ask the strategy for quotes, and submit the quote
changes to the sequencer as the maker's own user: every market ticked in one run shares one batch."""

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from exchange import sequencer
from exchange.engine import SelfTradePrevention
from exchange.engine.fees import FeeSchedule
from exchange.engine.units import count_from_contracts, price_from_cents, price_to_cents
from exchange.models import Market
from exchange.rows import update_rows
from exchange.selectors.holdings import MarketHoldings
from exchange.services import ExchangeError, OrderRequest
from marketmaker import strategy
from marketmaker.models import MarketMakerConfig
from marketmaker.selectors import QuotingMarket, makers_holdings, quoting_markets_get

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
    due = [config for config in MarketMakerConfig.objects.filter(enabled=True) if claim(config, now)]
    tick_many(due, rng=_rng)
    return len(due)


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


@dataclass(frozen=True)
class _Plan:
    config: MarketMakerConfig
    ticker: str
    fair_cents: int
    quotes: int
    actions: list[strategy.Action]


def tick(config: MarketMakerConfig, *, rng: random.Random) -> TickReport:
    """Walk the fair value and replace the maker's quotes in one market; skips markets not trading."""
    return tick_many([config], rng=rng)[0]


def tick_many(configs: list[MarketMakerConfig], *, rng: random.Random) -> list[TickReport]:
    """Tick several markets: their state is read in one query per maker, their quote changes go to the
    sequencer as one batch (so they share its commit), and the ticks are recorded in one statement.
    One report per config, in order."""
    if not configs:
        return []
    markets = quoting_markets_get(market_ids=[config.market_id for config in configs])
    holdings = makers_holdings(configs)
    planned = [_plan(config, markets[config.market_id], holdings[config.user_id, config.market_id], rng)
               for config in configs]
    plans = [p for p in planned if isinstance(p, _Plan)]
    counts = iter(apply([(p.config.user_id, p.ticker, p.actions) for p in plans]))
    reports = []
    for config, plan in zip(configs, planned, strict=True):
        if isinstance(plan, _Plan):
            applied, failed = next(counts)
            config.fair_value_cents = plan.fair_cents
            note = f"fair {plan.fair_cents}¢, {plan.quotes} quotes, {applied} changes, {failed} refused"
            plan = TickReport(plan.ticker, quoted=True, applied=applied, failed=failed, note=note)
        reports.append(plan)
    _record(configs, reports)
    return reports


def apply(plans: list[tuple[int, str, list[strategy.Action]]]) -> list[tuple[int, int]]:
    """Submit every (user_id, ticker, actions) plan as one batch; (applied, refused) for each plan.

    A refused action (say, the order filled meanwhile) is logged and skipped without undoing the others;
    the next tick starts again from what the exchange then holds.
    """
    commands = [_command(user_id, ticker, action) for user_id, ticker, actions in plans for action in actions]
    results = sequencer.execute_many(commands) if commands else []
    counts, start = [], 0
    for _, ticker, actions in plans:
        failed = 0
        for action, result in zip(actions, results[start:start + len(actions)], strict=True):
            if isinstance(result, ExchangeError):
                failed += 1
                log.info("market maker on %s: %s refused: %s", ticker, action, result)
        start += len(actions)
        counts.append((len(actions) - failed, failed))
    return counts


def _plan(config: MarketMakerConfig, market: QuotingMarket, holdings: MarketHoldings,
          rng: random.Random) -> _Plan | TickReport:
    """Walk the fair value and plan the changes to the maker's quotes; a report if the market is skipped."""
    reason = _not_quotable(market)
    if reason:
        return TickReport(market.ticker, quoted=False, note=reason)
    params = params_of(config)
    fair_before = price_from_cents(config.fair_value_cents) if config.fair_value_cents is not None else None
    fair = strategy.walk(fair_before, params, rng)
    resting = [strategy.Resting(o.order_id, o.book_side, o.price, o.remaining, o.filled) for o in holdings.orders]
    # What the account could spend with the maker's own quotes here released.
    budget = holdings.balance - holdings.reserved + sum(o.reserved for o in holdings.orders)
    fees = FeeSchedule.for_series(market.fee_type, market.fee_multiplier)
    wanted = strategy.ladder(fair, params, position=holdings.position, budget=budget, fees=fees)
    return _Plan(config, market.ticker, price_to_cents(fair), len(wanted), strategy.plan(resting, wanted))


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


def _record(configs: list[MarketMakerConfig], reports: list[TickReport]) -> None:
    # Only the fields a tick owns, so an admin's edit made meanwhile is not overwritten.
    now = timezone.now()
    for config, report in zip(configs, reports, strict=True):
        config.last_tick_at, config.last_tick_note = now, report.note[:200]
    with transaction.atomic():  # one commit also where update_rows runs one UPDATE per row
        update_rows(MarketMakerConfig, configs, ["fair_value_cents", "last_tick_at", "last_tick_note"])
