"""The relay's reported state. Its position in the outbox is an `exchange.OutboxCursor`."""

from django.db import models


class RelayStatus(models.Model):
    """What one relay reports about itself, written with its cursor after each delivered batch; read by
    the health endpoint and the admin."""

    name = models.CharField(max_length=64, primary_key=True)
    relayed = models.BigIntegerField(default=0, help_text="Events delivered (a re-sent batch counts again)")
    snapshots = models.BigIntegerField(default=0, help_text="Book snapshots published")
    events_per_s = models.IntegerField(default=0, help_text="Delivery rate over the last seconds")
    last_error = models.TextField(blank=True, default="")
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "relay status"

    def __str__(self) -> str:
        return self.name
