"""The exchange's domain model. Prices and money in $0.0001, counts in hundredths of a contract."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from exchange.outbox.kinds import EventKind


class Series(models.Model):
    FEE_TYPES = [("quadratic", "quadratic"), ("quadratic_with_maker_fees", "quadratic with maker fees"),
                 ("flat", "flat")]

    ticker = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=255)
    category = models.CharField(max_length=64, blank=True)
    tags = models.JSONField(default=list, blank=True)
    frequency = models.CharField(max_length=32, default="daily")
    fee_type = models.CharField(max_length=32, choices=FEE_TYPES, default="quadratic")
    fee_multiplier = models.IntegerField(default=10_000, help_text="In 1/10,000 (10000 = 1.0)")
    settlement_sources = models.JSONField(default=list, blank=True, help_text='[{"name": ..., "url": ...}]')
    contract_url = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return self.ticker


class Event(models.Model):
    event_ticker = models.CharField(max_length=64, unique=True)
    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="events")
    title = models.CharField(max_length=255)
    sub_title = models.CharField(max_length=255, blank=True)
    category = models.CharField(max_length=64, blank=True)
    mutually_exclusive = models.BooleanField(default=False)
    strike_date = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.event_ticker


class Market(models.Model):
    class Status(models.TextChoices):
        INITIALIZED = "initialized"
        ACTIVE = "active"
        INACTIVE = "inactive"
        CLOSED = "closed"
        DETERMINED = "determined"
        FINALIZED = "finalized"

    class Result(models.TextChoices):
        NONE = "", "undetermined"
        YES = "yes"
        NO = "no"

    ticker = models.CharField(max_length=64, unique=True)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="markets")
    title = models.CharField(max_length=255)
    subtitle = models.CharField(max_length=255, blank=True)
    yes_sub_title = models.CharField(max_length=255, blank=True)
    no_sub_title = models.CharField(max_length=255, blank=True)
    rules_primary = models.TextField(blank=True)
    rules_secondary = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INITIALIZED, db_index=True)
    open_time = models.DateTimeField()
    close_time = models.DateTimeField(db_index=True)
    expiration_time = models.DateTimeField()
    settlement_timer_seconds = models.IntegerField(default=60)
    can_close_early = models.BooleanField(default=True)
    price_level_structure = models.CharField(max_length=32, default="linear_cent")
    fractional_trading_enabled = models.BooleanField(default=False)
    result = models.CharField(max_length=8, choices=Result.choices, default=Result.NONE, blank=True)
    determined_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    # Market state maintained by the services in the same transaction as each change.
    book_seq = models.BigIntegerField(default=0)
    # Bumped by every command that writes the market: the sequencer's memory of it is valid for one version.
    version = models.BigIntegerField(default=0)
    last_price = models.IntegerField(default=0)
    yes_bid = models.IntegerField(default=0)
    yes_bid_size = models.BigIntegerField(default=0)
    yes_ask = models.IntegerField(default=0, help_text="0 when there is no ask")
    yes_ask_size = models.BigIntegerField(default=0)
    volume = models.BigIntegerField(default=0)
    open_interest = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.ticker


class Account(models.Model):
    """Cash of one user. `balance` includes `reserved`, the collateral held for resting orders."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    balance = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def available(self) -> int:
        return self.balance - self.reserved

    def __str__(self) -> str:
        return f"account of {self.user}"


class OrderGroup(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="order_groups")
    contracts_limit = models.BigIntegerField(help_text="Contracts (hundredths) that may fill in a rolling 15 s")
    is_triggered = models.BooleanField(default=False)
    is_deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.id)


class Order(models.Model):
    class Status(models.TextChoices):
        RESTING = "resting"
        CANCELED = "canceled"
        EXECUTED = "executed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="orders")
    client_order_id = models.CharField(max_length=64, blank=True, default="")
    book_side = models.CharField(max_length=3, choices=[("bid", "bid"), ("ask", "ask")])
    side = models.CharField(max_length=3, choices=[("yes", "yes"), ("no", "no")])
    action = models.CharField(max_length=4, choices=[("buy", "buy"), ("sell", "sell")])
    price = models.IntegerField(help_text="YES price")
    initial_count = models.BigIntegerField()
    remaining_count = models.BigIntegerField()
    fill_count = models.BigIntegerField(default=0)
    status = models.CharField(max_length=9, choices=Status.choices)
    time_in_force = models.CharField(max_length=24, default="good_till_canceled")
    expiration_time = models.DateTimeField(null=True, blank=True)
    post_only = models.BooleanField(default=False)
    reduce_only = models.BooleanField(default=False)
    cancel_order_on_pause = models.BooleanField(default=False)
    self_trade_prevention_type = models.CharField(max_length=16, default="taker_at_cross")
    max_cost = models.BigIntegerField(null=True, blank=True)
    order_group = models.ForeignKey(OrderGroup, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="orders")
    subaccount = models.IntegerField(default=0)
    source = models.CharField(max_length=8, default="rest")
    priority = models.BigIntegerField(default=0, help_text="Market book_seq when the order took its place")
    reserved = models.BigIntegerField(default=0, help_text="Collateral still held for this order")
    taker_fill_count = models.BigIntegerField(default=0)
    maker_fill_count = models.BigIntegerField(default=0)
    taker_fill_cost = models.BigIntegerField(default=0)
    maker_fill_cost = models.BigIntegerField(default=0)
    taker_fees = models.BigIntegerField(default=0)
    maker_fees = models.BigIntegerField(default=0)
    taker_fee_basis = models.BigIntegerField(default=0)
    maker_fee_basis = models.BigIntegerField(default=0)
    fee_accumulator = models.BigIntegerField(default=0, help_text="Rounding fees overpaid and not yet rebated")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_update_reason = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "client_order_id"],
                condition=Q(status="resting") & ~Q(client_order_id=""),
                name="order_open_client_order_id_unique",
            ),
        ]
        indexes = [
            # The order path reads only the resting orders an incoming order can cross, in priority.
            models.Index(fields=["market", "book_side", "price", "priority"], condition=Q(status="resting"),
                         name="order_resting_book_idx"),
            models.Index(fields=["user", "status", "created_at"], name="order_user_status_idx"),
            models.Index(fields=["user", "created_at"], name="order_user_created_idx"),
            # Placing an order checks the client_order_id against every order the user ever placed.
            models.Index(fields=["user", "client_order_id"], name="order_user_client_id_idx"),
            models.Index(fields=["expiration_time"], condition=Q(status="resting"), name="order_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.side} {self.market_id} {self.id}"


class Trade(models.Model):
    """A public execution between a taker and a maker."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="trades")
    price = models.IntegerField(help_text="YES price")
    count = models.BigIntegerField()
    taker_book_side = models.CharField(max_length=3)
    book_seq = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["market", "created_at"], name="trade_market_time_idx")]


class Fill(models.Model):
    """One user's side of a trade."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trade = models.ForeignKey(Trade, on_delete=models.PROTECT, related_name="fills")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="fills")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="fills")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="fills")
    is_taker = models.BooleanField()
    book_side = models.CharField(max_length=3)
    side = models.CharField(max_length=3)
    action = models.CharField(max_length=4)
    price = models.IntegerField(help_text="YES price")
    count = models.BigIntegerField()
    fee = models.BigIntegerField(default=0)
    post_position = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="fill_user_time_idx")]


class Position(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="positions")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="positions")
    position = models.BigIntegerField(default=0, help_text="Signed: +YES / -NO")
    cost = models.BigIntegerField(default=0, help_text="What the open position cost (market exposure)")
    realized_pnl = models.BigIntegerField(default=0)
    fees_paid = models.BigIntegerField(default=0)
    total_traded = models.BigIntegerField(default=0, help_text="Notional traded")
    volume = models.BigIntegerField(default=0, help_text="Contracts traded (hundredths)")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "market"], name="position_user_market_unique")]


class Settlement(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="settlements")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="settlements")
    result = models.CharField(max_length=8)
    yes_count = models.BigIntegerField(default=0)
    no_count = models.BigIntegerField(default=0)
    yes_total_cost = models.BigIntegerField(default=0)
    no_total_cost = models.BigIntegerField(default=0)
    revenue = models.BigIntegerField(default=0)
    fees_paid = models.BigIntegerField(default=0)
    settled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "market"], name="settlement_user_market_unique")]


class ApiKey(models.Model):
    class Scope(models.TextChoices):
        READ = "read"
        WRITE = "write"

    key_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=128, blank=True)
    public_key_pem = models.TextField()
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def can_write(self) -> bool:
        return self.Scope.WRITE in self.scopes

    def __str__(self) -> str:
        return f"{self.name or self.key_id} ({self.user})"


class ExchangeState(models.Model):
    """The exchange-wide switches an admin can flip (one row)."""

    exchange_active = models.BooleanField(default=True)
    trading_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    @classmethod
    def current(cls) -> "ExchangeState":
        state, _ = cls.objects.get_or_create(pk=1)
        return state


class MarketEvent(models.Model):
    """The outbox: every public and private event, written in the transaction that caused it.

    `book_seq` is the market's sequence after the change. Exactly one BOOK event exists per
    (market, book_seq) from 1 to the market's book_seq: a missing one is a gap. `user` is set for
    private kinds. Rows are written only through `exchange.outbox.outbox_write` and read through
    `exchange.outbox.OutboxReader` (see there for why ids may commit out of order).
    """

    Kind = EventKind

    id = models.BigAutoField(primary_key=True)
    market = models.ForeignKey(Market, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    book_seq = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=16, choices=[(k.value, k.value) for k in EventKind])
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["market", "book_seq"], condition=Q(kind="book"),
                                    name="marketevent_book_seq_unique"),
        ]
        indexes = [models.Index(fields=["market", "book_seq"], name="marketevent_market_seq_idx")]


# --- FIX acceptor: sequence state and outbound message store of the retransmission sessions ----------
class FixSessionState(models.Model):
    """Sequence numbers of a KalshiRT / KalshiPT session, kept across connections until a reset."""

    key_id = models.UUIDField()
    target = models.CharField(max_length=16)
    next_in = models.BigIntegerField(default=1)
    next_out = models.BigIntegerField(default=1)
    # UseDollars of the last logon: reports stored while the session is away are priced as it asked.
    use_dollars = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "target"], name="fixsessionstate_unique")]


class FixStoredMessage(models.Model):
    """An application message the acceptor sent on a retransmission session, for ResendRequest."""

    key_id = models.UUIDField()
    target = models.CharField(max_length=16)
    seq = models.BigIntegerField()
    raw = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "target", "seq"], name="fixstoredmessage_unique")]


class FixOrderSession(models.Model):
    """The retransmission session that placed an order: its reports are kept for that session while it
    is logged out (and across acceptor restarts), to be resent when it asks."""

    order_id = models.UUIDField(primary_key=True)
    key_id = models.UUIDField()
    target = models.CharField(max_length=16)


class OutboxCursor(models.Model):
    """How far a durable outbox consumer has read: every event with id <= after_id is handled."""

    consumer = models.CharField(max_length=64, unique=True)
    after_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.consumer} after {self.after_id}"
