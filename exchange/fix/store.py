"""Database access for the acceptor (synchronous; the transport runs these in worker threads).

Logon key lookup, the sequence state and message store of retransmission sessions, and reads of
the outbox that feed execution reports, drop copy and settlement reports.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from exchange.fix import codec
from exchange.fix.reports import Report, execution_report, execution_reports
from exchange.fix.session import Restored, Target
from exchange.models import ApiKey, FixOrderSession, FixSessionState, FixStoredMessage, MarketEvent
from exchange.outbox import Envelope, EventKind, envelope_of
from exchange.outbox.cursors import cursor_save
from exchange.outbox.reader import ENVELOPE_FIELDS
from exchange.signing import load_api_key, verify

REPLAY_WINDOW = timedelta(hours=3)
RT = Target.RT.value


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
def save(key_id: str, target: str, next_in: int, next_out: int, messages: list[tuple[int, bytes]],
         use_dollars: bool = False) -> None:
    """Store sent messages and the sequence state. next_out never moves back here (only a reset does):
    reports stored while the session was away may already have taken higher numbers."""
    if messages:
        FixStoredMessage.objects.bulk_create(
            [FixStoredMessage(key_id=key_id, target=target, seq=seq, raw=raw) for seq, raw in messages],
            ignore_conflicts=True)
    state, created = FixSessionState.objects.select_for_update().get_or_create(
        key_id=key_id, target=target, defaults={"next_in": next_in, "next_out": next_out, "use_dollars": use_dollars})
    if not created:
        state.next_in, state.next_out, state.use_dollars = next_in, max(state.next_out, next_out), use_dollars
        state.save(update_fields=["next_in", "next_out", "use_dollars", "updated_at"])


def order_sessions(order_ids: list[str]) -> dict[str, str]:
    """order id -> API key id of the retransmission session that placed it, for these orders."""
    rows = FixOrderSession.objects.filter(order_id__in=order_ids).values_list("order_id", "key_id")
    return {str(order_id): str(key_id) for order_id, key_id in rows}


@transaction.atomic
def store_offline(reports: list[tuple[str, Envelope]], consumer: str, after_id: int) -> None:
    """Keep the reports of sessions that are logged out, numbered on from each session's sequence as
    if sent, and record that the outbox is handled up to `after_id`, in one transaction."""
    by_key: dict[str, list[Envelope]] = {}
    for key_id, event in reports:
        by_key.setdefault(key_id, []).append(event)
    stored = []
    for key_id in sorted(by_key):
        state, _ = FixSessionState.objects.select_for_update().get_or_create(key_id=key_id, target=RT)
        for event in by_key[key_id]:
            body = execution_report(event, dollars=state.use_dollars).body
            header = [(49, RT), (56, key_id), (34, str(state.next_out)), (52, codec.sending_time())]
            stored.append(FixStoredMessage(key_id=key_id, target=RT, seq=state.next_out,
                                           raw=codec.encode("8", header, body)))
            state.next_out += 1
        state.save(update_fields=["next_out", "updated_at"])
    FixStoredMessage.objects.bulk_create(stored)
    cursor_save(consumer, after_id)


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
