"""Admin for the market maker: one config per quoted market, editable while it runs."""

from django.contrib import admin

from marketmaker.models import MarketMakerConfig


@admin.register(MarketMakerConfig)
class MarketMakerConfigAdmin(admin.ModelAdmin):
    list_display = ["market", "user", "enabled", "levels", "spread_cents", "size_contracts", "price_min_cents",
                    "price_max_cents", "interval_ms", "fair_value_cents", "last_tick_at", "last_tick_note"]
    list_editable = ["enabled"]
    list_filter = ["enabled"]
    search_fields = ["market__ticker"]
    autocomplete_fields = ["market"]
    raw_id_fields = ["user"]
    readonly_fields = ["last_tick_at", "last_tick_note", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["market", "user", "enabled"]}),
        ("Quotes", {"fields": ["levels", "level_spacing_cents", "spread_cents", "size_contracts",
                               "price_min_cents", "price_max_cents", "inventory_limit_contracts"]}),
        ("Fair value", {"fields": ["fair_value_cents", "walk_step_cents", "interval_ms"]}),
        ("Last tick", {"fields": ["last_tick_at", "last_tick_note", "created_at", "updated_at"]}),
    ]
