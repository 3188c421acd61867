"""Writing outbox events: the one insert path, used inside the services' transactions.

On PostgreSQL the transaction takes its id (xid) before it draws outbox ids; the reader's horizon
(see `outbox.reader`) relies on that order.
"""

from collections.abc import Sequence

from django.db import connection, transaction

from exchange.outbox.reader import on_commit_published
from exchange.rows import insert_rows


def outbox_write(events: Sequence, *, has_xid: bool = False) -> None:
    """Insert `events` (unsaved `MarketEvent`s) and publish them after the transaction commits.

    `has_xid`: the transaction has already written or row-locked something (SELECT ... FOR UPDATE
    does), so it holds its xid and the extra statement that would take one is skipped.
    """
    if not events:
        return
    from exchange.models import MarketEvent

    if connection.vendor == "postgresql" and not has_xid:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")
    insert_rows(MarketEvent, list(events))
    outbox_written(events)


def outbox_written(events: Sequence) -> None:
    """Events inserted by the caller (after its transaction took its xid): publish them after commit."""
    from exchange.services.publish import publish_on_commit

    if events:
        publish_on_commit(events)
        transaction.on_commit(on_commit_published)
