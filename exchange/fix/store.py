"""Database access for the acceptor (synchronous; the transport runs these in worker threads).

Logon key lookup, the sequence state and message store of retransmission sessions, and reads of
the outbox that feed execution reports, drop copy and settlement reports.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from exchange.fix.reports import OutboxEvent, Report, execution_reports
from exchange.fix.session import Restored
from exchange.models import ApiKey, FixSessionState, FixStoredMessage, MarketEvent
from exchange.signing import load_api_key, verify

PRIVATE_KINDS = ("order", "fill", "position", "settlement")


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


def latest_event_id() -> int:
    return MarketEvent.objects.aggregate(m=Max("id"))["m"] or 0


def events_for_replay(user_id: int, begin_id: int, end_id: int, since: datetime) -> list[OutboxEvent]:
    """The user's private events around [begin_id, end_id]; whole transactions are included."""
    margin = 500
    rows = (MarketEvent.objects.filter(user_id=user_id, kind__in=PRIVATE_KINDS, created_at__gte=since,
                                       id__gte=begin_id - margin, id__lte=end_id + margin).order_by("id"))
    return [outbox_event(row) for row in rows]


def oldest_event_since(user_id: int, since: datetime) -> int | None:
    row = (MarketEvent.objects.filter(user_id=user_id, kind__in=PRIVATE_KINDS, created_at__gte=since)
           .order_by("id").values_list("id", flat=True).first())
    return row


def lookback(hours: int = 3) -> datetime:
    return timezone.now() - timedelta(hours=hours)


def outbox_event(row: MarketEvent) -> OutboxEvent:
    return OutboxEvent(row.id, row.kind, row.user_id, row.market_id, row.book_seq, row.created_at, row.payload)


def replay(user_id: int, begin: tuple[int, int], end: tuple[int, int] | None, dollars: bool) -> list[Report] | int:
    """Drop-copy replay of the user's execution reports in [begin, end] within three hours, or a U3 reason."""
    since = lookback(3)
    latest = latest_event_id()
    if end is not None and end[0] > latest:
        return 4
    oldest = oldest_event_since(user_id, since)
    if MarketEvent.objects.filter(user_id=user_id, id__gte=begin[0], id__lt=oldest or latest + 1,
                                  created_at__lt=since, kind__in=PRIVATE_KINDS).exists():
        return 3
    end = end or (latest, 1 << 30)
    events = events_for_replay(user_id, begin[0], end[0], since)
    reports = execution_reports(events, dollars=dollars)
    out = []
    for report in reports:
        exec_id = tuple(int(p) for p in dict(report.body)[17].split(";"))
        if begin <= exec_id <= end:
            out.append(report)
    return out
