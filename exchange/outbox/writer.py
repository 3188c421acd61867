"""Writing outbox events: the one insert path, used inside the services' transactions.

On PostgreSQL the transaction takes its id (xid) before it draws outbox ids; the reader's horizon
(see `outbox.reader`) relies on that order.
"""

from collections.abc import Sequence

from django.db import connections, transaction

from exchange.outbox.reader import on_commit_published


def outbox_write(events: Sequence, *, using: str = "default") -> None:
    """Insert `events` (unsaved `MarketEvent`s) and publish them after the transaction commits."""
    if not events:
        return
    from exchange.models import MarketEvent
    from exchange.services.publish import publish_on_commit

    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")
    MarketEvent.objects.using(using).bulk_create(events)
    publish_on_commit(events)
    transaction.on_commit(on_commit_published, using=using)
