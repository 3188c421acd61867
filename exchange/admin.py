"""Django admin for every exchange model. Actions call the services, like every other entry point."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from exchange import models, services
from exchange.engine.units import ONE_DOLLAR, count_to_fp, units_to_dollars
from exchange.services.errors import ExchangeError


def _each(request: HttpRequest, queryset: QuerySet, act, label: str) -> None:
    """Run a service per selected row and report successes and refusals separately."""
    done = 0
    for obj in queryset:
        try:
            act(obj)
            done += 1
        except ExchangeError as error:
            messages.error(request, f"{obj}: {error.message}")
    if done:
        messages.success(request, f"{label}: {done} done")


def dollars(units: int) -> str:
    return f"${units_to_dollars(units)}"


@admin.register(models.Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["ticker", "title", "category", "frequency", "fee_type", "fee_multiplier"]
    list_filter = ["category", "fee_type", "frequency"]
    search_fields = ["ticker", "title"]


@admin.register(models.Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["event_ticker", "series", "title", "mutually_exclusive"]
    list_filter = ["series"]
    search_fields = ["event_ticker", "title"]


@admin.register(models.Market)
class MarketAdmin(admin.ModelAdmin):
    list_display = ["ticker", "status", "result", "best_bid", "best_ask", "last", "volume_fp",
                    "open_interest_fp", "book_seq", "close_time"]
    list_filter = ["status", "result", "event__series", "price_level_structure"]
    search_fields = ["ticker", "title", "event__event_ticker"]
    readonly_fields = ["book_seq", "last_price", "yes_bid", "yes_bid_size", "yes_ask", "yes_ask_size", "volume",
                       "open_interest", "determined_at", "settled_at", "created_at", "updated_at"]
    actions = ["open_markets", "pause", "resume", "close", "determine_yes", "determine_no", "settle",
               "cancel_resting", "fast_forward_yes", "fast_forward_no"]

    @admin.display(description="yes bid")
    def best_bid(self, market: models.Market) -> str:
        return dollars(market.yes_bid) if market.yes_bid_size else "-"

    @admin.display(description="yes ask")
    def best_ask(self, market: models.Market) -> str:
        return dollars(market.yes_ask) if market.yes_ask_size else "-"

    @admin.display(description="last price")
    def last(self, market: models.Market) -> str:
        return dollars(market.last_price) if market.volume else "-"

    @admin.display(description="volume")
    def volume_fp(self, market: models.Market) -> str:
        return count_to_fp(market.volume)

    @admin.display(description="open interest")
    def open_interest_fp(self, market: models.Market) -> str:
        return count_to_fp(market.open_interest)

    @admin.action(description="Open (initialized → active)")
    def open_markets(self, request, queryset):
        _each(request, queryset, lambda m: services.market_open(ticker=m.ticker), "opened")

    @admin.action(description="Pause trading (cancels resting orders)")
    def pause(self, request, queryset):
        _each(request, queryset, lambda m: services.market_pause(ticker=m.ticker), "paused")

    @admin.action(description="Resume trading")
    def resume(self, request, queryset):
        _each(request, queryset, lambda m: services.market_resume(ticker=m.ticker), "resumed")

    @admin.action(description="Close now (cancels resting orders)")
    def close(self, request, queryset):
        _each(request, queryset, lambda m: services.market_close(ticker=m.ticker), "closed")

    @admin.action(description="Determine: YES")
    def determine_yes(self, request, queryset):
        _each(request, queryset, lambda m: services.market_determine(ticker=m.ticker, result="yes"), "determined")

    @admin.action(description="Determine: NO")
    def determine_no(self, request, queryset):
        _each(request, queryset, lambda m: services.market_determine(ticker=m.ticker, result="no"), "determined")

    @admin.action(description="Settle determined markets now")
    def settle(self, request, queryset):
        _each(request, queryset, lambda m: services.market_settle(ticker=m.ticker), "settled")

    @admin.action(description="Cancel all resting orders")
    def cancel_resting(self, request, queryset):
        _each(request, queryset, lambda m: services.orders_cancel_all(ticker=m.ticker), "canceled")

    @admin.action(description="Fast clock: close, determine YES and settle now")
    def fast_forward_yes(self, request, queryset):
        _each(request, queryset, lambda m: services.market_fast_forward(ticker=m.ticker, result="yes"), "settled YES")

    @admin.action(description="Fast clock: close, determine NO and settle now")
    def fast_forward_no(self, request, queryset):
        _each(request, queryset, lambda m: services.market_fast_forward(ticker=m.ticker, result="no"), "settled NO")


@admin.register(models.Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["user", "balance_dollars", "reserved_dollars", "available_dollars", "updated_at"]
    search_fields = ["user__username"]
    readonly_fields = ["balance", "reserved"]
    actions = ["fund_1000", "fund_10000"]

    @admin.display(description="balance")
    def balance_dollars(self, account: models.Account) -> str:
        return dollars(account.balance)

    @admin.display(description="reserved")
    def reserved_dollars(self, account: models.Account) -> str:
        return dollars(account.reserved)

    @admin.display(description="available")
    def available_dollars(self, account: models.Account) -> str:
        return dollars(account.available)

    @admin.action(description="Fund $1,000")
    def fund_1000(self, request, queryset):
        _each(request, queryset, lambda a: services.account_fund(user=a.user, amount=1_000 * ONE_DOLLAR), "funded")

    @admin.action(description="Fund $10,000")
    def fund_10000(self, request, queryset):
        _each(request, queryset, lambda a: services.account_fund(user=a.user, amount=10_000 * ONE_DOLLAR), "funded")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the services: inspect, never edit by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "market", "action", "side", "book_side", "yes_price", "initial_count",
                    "remaining_count", "fill_count", "status", "time_in_force", "source", "created_at"]
    list_filter = ["status", "book_side", "side", "action", "time_in_force", "source", "post_only", "market"]
    search_fields = ["id", "client_order_id", "user__username", "market__ticker"]
    date_hierarchy = "created_at"
    actions = ["cancel"]

    def has_change_permission(self, request, obj=None):
        return obj is None  # the list (and its cancel action) is available; single orders are read-only

    @admin.display(description="YES price", ordering="price")
    def yes_price(self, order: models.Order) -> str:
        return dollars(order.price)

    @admin.action(description="Cancel selected resting orders")
    def cancel(self, request, queryset):
        ids = [str(i) for i in queryset.filter(status=models.Order.Status.RESTING).values_list("id", flat=True)]
        canceled = services.orders_cancel_all(only=ids)
        messages.success(request, f"canceled {len(canceled)} orders")


@admin.register(models.Trade)
class TradeAdmin(ReadOnlyAdmin):
    list_display = ["id", "market", "price", "count", "taker_book_side", "book_seq", "created_at"]
    list_filter = ["market", "taker_book_side"]
    search_fields = ["id", "market__ticker"]
    date_hierarchy = "created_at"


@admin.register(models.Fill)
class FillAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "market", "is_taker", "action", "side", "price", "count", "fee", "post_position",
                    "created_at"]
    list_filter = ["is_taker", "side", "action", "market"]
    search_fields = ["id", "order__id", "user__username", "market__ticker"]
    date_hierarchy = "created_at"


@admin.register(models.Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ["user", "market", "position", "cost", "realized_pnl", "fees_paid", "total_traded", "updated_at"]
    list_filter = ["market"]
    search_fields = ["user__username", "market__ticker"]


@admin.register(models.Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["user", "market", "result", "yes_count", "no_count", "revenue", "settled_at"]
    list_filter = ["result", "market"]
    search_fields = ["user__username", "market__ticker"]


@admin.register(models.OrderGroup)
class OrderGroupAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "contracts_limit", "is_triggered", "is_deleted", "created_at"]
    list_filter = ["is_triggered", "is_deleted"]
    search_fields = ["id", "user__username"]


@admin.register(models.ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["key_id", "user", "name", "scopes", "created_at", "last_used_at"]
    search_fields = ["key_id", "user__username", "name"]
    readonly_fields = ["key_id", "created_at", "last_used_at"]


@admin.register(models.ExchangeState)
class ExchangeStateAdmin(admin.ModelAdmin):
    """The exchange-wide switches; trading is flipped by actions so the pause cancels what it must."""

    list_display = ["id", "exchange_active", "trading_active", "updated_at"]
    list_editable = ["exchange_active"]
    readonly_fields = ["trading_active"]
    actions = ["pause_trading", "resume_trading"]

    def has_add_permission(self, request):
        return not models.ExchangeState.objects.exists()

    @admin.action(description="Pause trading (cancels orders placed with cancel_order_on_pause)")
    def pause_trading(self, request, queryset):
        services.exchange_trading_set(active=False)
        messages.success(request, "trading paused")

    @admin.action(description="Resume trading")
    def resume_trading(self, request, queryset):
        services.exchange_trading_set(active=True)
        messages.success(request, "trading resumed")


@admin.register(models.MarketEvent)
class MarketEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "market", "book_seq", "kind", "user", "created_at"]
    list_filter = ["kind", "market"]
    search_fields = ["market__ticker"]
    date_hierarchy = "created_at"
