"""Production Kalshi's API changes that the exchange reproduces, one dated table.

Kalshi changes its API on announced dates. Each change the exchange models is one entry here; the
setting KALSHI_API_DATE (an ISO date) picks which are in force, so an old bot can run against the API
as it was. Unset, every entry is in force: the exchange answers as production does today. Every
behaviour that differs between the two sides of an entry asks `in_force`, and nothing else.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class Change(StrEnum):
    MARKET_CATEGORY_REMOVED = "market_category_removed"
    MARKET_CENT_FIELDS_REMOVED = "market_cent_fields_removed"
    FILL_CLIENT_ORDER_ID_REMOVED = "fill_client_order_id_removed"
    FIX_EXPIRY_CANCEL_EXPIRED_FLAG = "fix_expiry_cancel_expired_flag"
    LEGACY_INTEGER_FIELDS_REMOVED = "legacy_integer_fields_removed"
    FIX_ALWAYS_EMIT_NEW_BEFORE_TRADE_FLAG = "fix_always_emit_new_before_trade_flag"
    V1_ORDER_WRITES_GONE = "v1_order_writes_gone"
    MARKET_DEPRECATED_FIELDS_REMOVED = "market_deprecated_fields_removed"
    ERROR_SERVICE_REMOVED = "error_service_removed"
    LEGACY_ORDER_COSTS_RAISED = "legacy_order_costs_raised"


@dataclass(frozen=True)
class Entry:
    change: Change
    date: date
    what: str
    evidence: str


CHANGELOG = "https://docs.kalshi.com/changelog"
FIX_CHANGELOG = "https://docs.kalshi.com/fix/changelog"

TABLE: tuple[Entry, ...] = (
    Entry(Change.MARKET_CATEGORY_REMOVED, date(2026, 1, 8),
          "Market responses drop the deprecated `category` and `risk_limit_cents`.",
          f"{CHANGELOG} (Jan 5, 2026 entry; snapshot in GitHub ammario/kalshi-docs changelog.md)"),
    Entry(Change.MARKET_CENT_FIELDS_REMOVED, date(2026, 1, 15),
          "Market responses drop the cent-denominated fields: response_price_units, notional_value, yes_bid, "
          "yes_ask, no_bid, no_ask, last_price, previous_yes_bid, previous_yes_ask, previous_price, liquidity, "
          "tick_size.",
          f"{CHANGELOG} (Jan 6, 2026 entry; snapshot in GitHub ammario/kalshi-docs changelog.md)"),
    Entry(Change.FILL_CLIENT_ORDER_ID_REMOVED, date(2026, 1, 28),
          "REST fills no longer carry client_order_id.",
          "GitHub TexasCoding/kalshi-python-sdk specs/openapi.yaml 3.13.0: Fill has no client_order_id"),
    Entry(Change.FIX_EXPIRY_CANCEL_EXPIRED_FLAG, date(2026, 3, 1),
          "FIX: order expiry and market close cancels report Canceled (150=4, 39=4) unless Logon 21012=Y asks "
          "for Expired (150=C, 39=C); before, 21012 covered close cancels only.",
          f"{FIX_CHANGELOG} (version 1.0.20, 2026-03-01)"),
    Entry(Change.LEGACY_INTEGER_FIELDS_REMOVED, date(2026, 3, 12),
          "REST and WebSocket responses drop the legacy integer cent and count fields; only the `_dollars` / "
          "`_fp` forms remain.",
          "https://docs.kalshi.com/getting_started/subpenny_pricing (March 12: legacy integer fields removed "
          "from all API responses)"),
    Entry(Change.FIX_ALWAYS_EMIT_NEW_BEFORE_TRADE_FLAG, date(2026, 4, 28),
          "FIX folds the New ack into the first Trade report of an order that takes liquidity on arrival, "
          "unless Logon 21026=Y (AlwaysEmitNewBeforeTrade).",
          f"{FIX_CHANGELOG} (version 1.0.22, 2026-04-28)"),
    Entry(Change.LEGACY_ORDER_COSTS_RAISED, date(2026, 6, 1),
          "Rate limits: the V1 order endpoints cost five times their V2 counterparts (create 50, cancel 10).",
          f"{CHANGELOG} (Jun 1, 2026 entry; snapshot in GitHub ebowwa/dailydocupdates "
          "docs/kalshi/changelog/index.md)"),
    Entry(Change.V1_ORDER_WRITES_GONE, date(2026, 6, 18),
          "V1 order writes (POST /portfolio/orders, its amend, decrease and batched create) and cancels answer "
          "410 deprecated_v1_order_endpoint; V1 reads keep working.",
          f"{CHANGELOG} (Jun 18, 2026: legacy order mutation endpoints deprecated; GitHub "
          "PoorRican/kalshi-fast-rs CHANGELOG.md); 410 seen from production in GitHub clewvu/my-project "
          "docs/HANDOFF.md"),
    Entry(Change.MARKET_DEPRECATED_FIELDS_REMOVED, date(2026, 7, 9),
          "Market responses drop the deprecated `fractional_trading_enabled` (always true since Apr 17, 2026); "
          "market positions drop `resting_orders_count`.",
          f"{CHANGELOG} (Jul 9, 2026: deprecated REST schema fields removed; GitHub PoorRican/kalshi-fast-rs "
          "CHANGELOG.md 0.8.0)"),
    Entry(Change.ERROR_SERVICE_REMOVED, date(2026, 8, 6),
          "REST error bodies drop `service`: {\"error\": {\"code\", \"message\", \"details\"}}.",
          f"{CHANGELOG} (Jul 28, 2026 deprecation, Aug 6, 2026 removal; GitHub PoorRican/kalshi-fast-rs "
          "CHANGELOG.md 0.8.0); production 410 bodies captured 2026-08-24 carry no `service`"),
)

ENTRIES: dict[Change, Entry] = {entry.change: entry for entry in TABLE}


@cache
def _parse(raw: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(f"KALSHI_API_DATE must be an ISO date such as 2026-01-01, not {raw!r}") from None


def api_date() -> date | None:
    """The date whose API is served; None for production today."""
    raw = settings.KALSHI_API_DATE
    return raw if isinstance(raw, date) else _parse(raw or "")


def in_force(change: Change) -> bool:
    """Whether production's `change` applies at the configured API date."""
    served = api_date()
    return served is None or served >= ENTRIES[change].date
