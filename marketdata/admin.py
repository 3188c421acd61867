"""Admin: the relay's cursor with its lag behind the outbox."""

from django.contrib import admin

from marketdata.models import RelayCursor
from marketdata.selectors import relay_lag


@admin.register(RelayCursor)
class RelayCursorAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "unrelayed", "oldest_unrelayed_ms", "events_per_s", "relayed", "snapshots",
                    "last_delivery_at", "last_error"]
    readonly_fields = ["name", "position", "relayed", "snapshots", "events_per_s", "last_error", "last_delivery_at",
                       "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False  # the relay creates its own cursor

    @admin.display(description="unrelayed events")
    def unrelayed(self, cursor: RelayCursor) -> int:
        return relay_lag(cursor.name).unrelayed

    @admin.display(description="oldest unrelayed (ms)")
    def oldest_unrelayed_ms(self, cursor: RelayCursor) -> int:
        return relay_lag(cursor.name).oldest_unrelayed_ms
