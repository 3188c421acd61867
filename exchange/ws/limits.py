"""Per-connection limits of the feed, so one client cannot turn the server into a sink for everyone else's
time and memory: how many subscriptions and markets it may hold, and how fast it may send commands.

Kalshi documents the error codes but not the numbers (asyncapi.yaml: 26 "Subscription market limit
exceeded", 27 "Too many requests"); ours are settings.
"""

import time
from dataclasses import dataclass

from django.conf import settings

from exchange.ws.protocol import CommandError

SUBSCRIPTION_LIMIT = 26
TOO_MANY_REQUESTS = 27

# Read through this name so tests can hold the clock still.
monotonic = time.monotonic


@dataclass(frozen=True)
class Limits:
    subscriptions: int
    markets: int
    commands_per_second: float
    command_burst: int

    @classmethod
    def from_settings(cls) -> "Limits":
        exchange = settings.EXCHANGE
        return cls(subscriptions=exchange["WS_MAX_SUBSCRIPTIONS"], markets=exchange["WS_MAX_MARKETS"],
                   commands_per_second=exchange["WS_COMMANDS_PER_SECOND"], command_burst=exchange["WS_COMMAND_BURST"])


class ConnectionLimits:
    """One connection's budget: a token bucket for commands and caps on what it holds."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.tokens = float(limits.command_burst)
        self.updated = monotonic()

    def take_command(self) -> None:
        """Spend one command token; CommandError 27 (the command is not run) when there is none."""
        now = monotonic()
        refill = (now - self.updated) * self.limits.commands_per_second
        self.tokens = min(self.limits.command_burst, self.tokens + refill)
        self.updated = now
        if self.tokens < 1:
            raise CommandError(TOO_MANY_REQUESTS, f"Too many requests: at most {self.limits.commands_per_second:g} "
                                                  "commands per second on a connection")
        self.tokens -= 1

    def check_subscriptions(self, held: int, adding: int) -> None:
        if held + adding > self.limits.subscriptions:
            raise CommandError(SUBSCRIPTION_LIMIT, f"Subscription limit exceeded: at most "
                                                   f"{self.limits.subscriptions} subscriptions on a connection")

    def check_markets(self, held: int, adding: int) -> None:
        """Markets named by one subscription (a ticker list) after adding `adding` to `held`."""
        if held + adding > self.limits.markets:
            raise CommandError(SUBSCRIPTION_LIMIT, f"Subscription market limit exceeded: at most "
                                                   f"{self.limits.markets} markets in a subscription")
