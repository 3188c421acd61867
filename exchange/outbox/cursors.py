"""Durable cursors of outbox consumers (the FIX acceptor, the Kafka relay): resume where they stopped."""

from exchange.models import OutboxCursor


def cursor_load(consumer: str) -> int | None:
    """The id `consumer` has handled everything up to, or None if it never saved one."""
    return OutboxCursor.objects.filter(consumer=consumer).values_list("after_id", flat=True).first()


def cursor_save(consumer: str, after_id: int) -> None:
    """Record progress; call it inside the transaction that stores what was done with the events."""
    OutboxCursor.objects.update_or_create(consumer=consumer, defaults={"after_id": after_id})
