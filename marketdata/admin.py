"""Admin: each relay's status with its lag behind the outbox."""

from django.contrib import admin

from marketdata.models import RelayStatus
from marketdata.selectors import relay_lag


@admin.register(RelayStatus)
class RelayStatusAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "unrelayed", "oldest_unrelayed_ms", "events_per_s", "relayed", "snapshots",
                    "last_delivery_at", "last_error"]
    readonly_fields = ["name", "relayed", "snapshots", "events_per_s", "last_error", "last_delivery_at", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False  # the relay creates its own row

    @admin.display(description="outbox position")
    def position(self, status: RelayStatus) -> int:
        return relay_lag(status.name).position

    @admin.display(description="unrelayed events")
    def unrelayed(self, status: RelayStatus) -> int:
        return relay_lag(status.name).unrelayed

    @admin.display(description="oldest unrelayed (ms)")
    def oldest_unrelayed_ms(self, status: RelayStatus) -> int:
        return relay_lag(status.name).oldest_unrelayed_ms
