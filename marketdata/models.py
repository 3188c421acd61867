"""The relay's durable state."""

from django.db import models


class RelayCursor(models.Model):
    """How far one relay has shipped the outbox: every event with id <= `position` is in Kafka.

    Written by the relay after each delivered batch (so a restart resumes there, re-sending at most
    that batch); read by the health endpoint and the admin to report lag.
    """

    name = models.CharField(max_length=64, primary_key=True)
    position = models.BigIntegerField(default=0, help_text="Outbox id up to which every event is delivered")
    relayed = models.BigIntegerField(default=0, help_text="Events delivered since the cursor was created")
    snapshots = models.BigIntegerField(default=0, help_text="Book snapshots published")
    events_per_s = models.IntegerField(default=0, help_text="Delivery rate over the last seconds")
    last_error = models.TextField(blank=True, default="")
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name
