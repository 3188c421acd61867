"""Admin: each relay's status with its lag behind the outbox."""

from django.contrib import admin

from marketdata.models import RelayStatus
from marketdata.selectors import RelayLag, relay_lag


@admin.register(RelayStatus)
class RelayStatusAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "unrelayed", "oldest_unrelayed_ms", "events_per_s", "relayed", "snapshots",
                    "last_delivery_at", "last_error"]
    readonly_fields = ["name", "relayed", "snapshots", "events_per_s", "last_error", "last_delivery_at", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False  # the relay creates its own row

    @staticmethod
    def _lag(status: RelayStatus) -> RelayLag:
        """Read once per row: each read is several queries and three columns show it."""
        if not hasattr(status, "_lag"):
            status._lag = relay_lag(status.name)
        return status._lag

    @admin.display(description="outbox position")
    def position(self, status: RelayStatus) -> int:
        return self._lag(status).position

    @admin.display(description="unrelayed events")
    def unrelayed(self, status: RelayStatus) -> int:
        return self._lag(status).unrelayed

    @admin.display(description="oldest unrelayed (ms)")
    def oldest_unrelayed_ms(self, status: RelayStatus) -> int:
        return self._lag(status).oldest_unrelayed_ms
