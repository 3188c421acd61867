"""Database access for the acceptor (synchronous; the transport runs these in worker threads).

Logon key lookup, the sequence state and message store of retransmission sessions, and reads of
the outbox that feed execution reports, drop copy and settlement reports.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from exchange.fix.reports import Report, execution_reports
from exchange.fix.session import Restored
from exchange.models import ApiKey, FixSessionState, FixStoredMessage, MarketEvent
from exchange.outbox import Envelope, EventKind, envelope_of
from exchange.outbox.reader import ENVELOPE_FIELDS
from exchange.signing import load_api_key, verify

REPLAY_WINDOW = timedelta(hours=3)


def authenticate(key_id: str, signed: bytes, signature: str) -> ApiKey:
    """The API key whose public key verifies the Logon signature; raises SignatureError."""
    key = load_api_key(key_id)
    verify(key.public_key_pem, signed, signature)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def restore(key_id: str, target: str) -> Restored:
    state = FixSessionState.objects.filter(key_id=key_id, target=target).first()
    if state is None:
        return Restored()
    sent = {m.seq: bytes(m.raw) for m in FixStoredMessage.objects.filter(key_id=key_id, target=target)}
    return Restored(next_in=state.next_in, next_out=state.next_out, sent=sent)


@transaction.atomic
def reset(key_id: str, target: str) -> None:
    FixStoredMessage.objects.filter(key_id=key_id, target=target).delete()
    FixSessionState.objects.update_or_create(key_id=key_id, target=target, defaults={"next_in": 1, "next_out": 1})


@transaction.atomic
def reset_all() -> None:
    """The daily maintenance window starts every retransmission session afresh."""
    FixStoredMessage.objects.all().delete()
    FixSessionState.objects.all().update(next_in=1, next_out=1)


@transaction.atomic
def save(key_id: str, target: str, next_in: int, next_out: int, messages: list[tuple[int, bytes]]) -> None:
    if messages:
        FixStoredMessage.objects.bulk_create(
            [FixStoredMessage(key_id=key_id, target=target, seq=seq, raw=raw) for seq, raw in messages],
            ignore_conflicts=True)
    FixSessionState.objects.update_or_create(key_id=key_id, target=target,
                                             defaults={"next_in": next_in, "next_out": next_out})


def executions(user_id: int, begin_id: int, end_id: int, since: datetime) -> list[Envelope]:
    """The user's execution facts with begin_id <= id <= end_id, written after `since`, in id order."""
    rows = (MarketEvent.objects.filter(user_id=user_id, kind=EventKind.EXECUTION, created_at__gte=since,
                                       id__gte=begin_id, id__lte=end_id).order_by("id").values(*ENVELOPE_FIELDS))
    return [envelope_of(row) for row in rows]


def replay(user_id: int, begin: tuple[int, int], end: tuple[int, int] | None, dollars: bool) -> list[Report] | int:
    """Drop-copy replay of the user's execution reports in [begin, end] within three hours, or a U3 reason."""
    since = timezone.now() - REPLAY_WINDOW
    latest = MarketEvent.objects.aggregate(m=Max("id"))["m"] or 0
    if end is not None and end[0] > latest:
        return 4
    if MarketEvent.objects.filter(user_id=user_id, kind=EventKind.EXECUTION, id__gte=begin[0],
                                  created_at__lt=since).exists():
        return 3
    end = end or (latest, 0)
    return execution_reports(executions(user_id, begin[0], end[0], since), dollars=dollars)
