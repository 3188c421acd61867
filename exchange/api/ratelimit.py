"""Kalshi-style rate limits: per-user token buckets, one for reads and one for writes.

Each request costs tokens (10 by default, cancels less; batch items are counted individually). A tier
gives each bucket a refill rate in tokens per second, which is also its capacity. A request is admitted
when the bucket holds at least min(cost, capacity) tokens and then pays its full cost, so a batch larger
than the capacity is possible but leaves the bucket in debt.

The buckets live in this process's memory: with several server processes each enforces its own share.
EXCHANGE["RATE_LIMITS_ENABLED"] (env RATE_LIMITS_ENABLED) switches limiting off; EXCHANGE["RATE_LIMIT_TIER"]
picks the tier.
"""

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

from exchange.api_changes import Change, in_force

DEFAULT_COST = 10
CANCEL_COST = 2
LEGACY_FACTOR = 5

# Kalshi's published tiers in tokens per second (a default-cost request is 10 tokens).
TIERS: dict[str, dict[str, int]] = {
    "basic": {"read": 200, "write": 100},
    "advanced": {"read": 300, "write": 300},
    "premier": {"read": 1000, "write": 1000},
    "prime": {"read": 4000, "write": 4000},
}

# (method, path relative to /trade-api/v2) -> cost per request or per batch item.
V2_COSTS: dict[tuple[str, str], int] = {
    ("DELETE", "/portfolio/events/orders/{order_id}"): CANCEL_COST,
    ("DELETE", "/portfolio/events/orders/batched"): CANCEL_COST,
}
# The V1 order endpoints, at the V2 cost of the same act.
V1_COSTS: dict[tuple[str, str], int] = {
    ("POST", "/portfolio/orders"): DEFAULT_COST,
    ("POST", "/portfolio/orders/batched"): DEFAULT_COST,
    ("POST", "/portfolio/orders/{order_id}/amend"): DEFAULT_COST,
    ("POST", "/portfolio/orders/{order_id}/decrease"): DEFAULT_COST,
    ("DELETE", "/portfolio/orders/{order_id}"): CANCEL_COST,
    ("DELETE", "/portfolio/orders/batched"): CANCEL_COST,
}


def endpoint_costs() -> dict[tuple[str, str], int]:
    """The non-default costs at the configured API date: V1 order endpoints cost five times their V2
    counterparts once production raised them."""
    factor = LEGACY_FACTOR if in_force(Change.LEGACY_ORDER_COSTS_RAISED) else 1
    v1 = {route: cost * factor for route, cost in V1_COSTS.items() if cost * factor != DEFAULT_COST}
    return {**V2_COSTS, **v1}


def tier_name() -> str:
    name = settings.EXCHANGE.get("RATE_LIMIT_TIER", "basic")
    return name if name in TIERS else "basic"


def tier_limits() -> dict[str, int]:
    return TIERS[tier_name()]


def enabled() -> bool:
    return bool(settings.EXCHANGE.get("RATE_LIMITS_ENABLED", True))


@dataclass
class TokenBucket:
    rate: int
    tokens: float
    stamp: float

    def take(self, cost: int, now: float) -> bool:
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < min(cost, self.rate):
            return False
        self.tokens -= cost
        return True


class Buckets:
    """All users' buckets in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[tuple, TokenBucket] = {}
        self.clock = time.monotonic

    def take(self, who: object, kind: str, cost: int, rate: int, now: float | None = None) -> bool:
        now = self.clock() if now is None else now
        with self._lock:
            bucket = self._buckets.get((who, kind))
            if bucket is None or bucket.rate != rate:
                bucket = self._buckets[(who, kind)] = TokenBucket(rate=rate, tokens=float(rate), stamp=now)
            return bucket.take(cost, now)

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()


BUCKETS = Buckets()


class TokenBucketThrottle(BaseThrottle):
    """DRF throttle over BUCKETS; views may define `token_cost(request) -> int`."""

    def allow_request(self, request, view) -> bool:
        if not enabled():
            return True
        kind = "read" if request.method in SAFE_METHODS else "write"
        cost_of = getattr(view, "token_cost", None)
        cost = cost_of(request) if cost_of is not None else DEFAULT_COST
        user = request.user
        who = ("user", user.pk) if user is not None and user.is_authenticated else ("ip", self.get_ident(request))
        self._rate = tier_limits()[kind]
        return BUCKETS.take(who, kind, cost, self._rate)

    def wait(self) -> float:
        return 1.0
