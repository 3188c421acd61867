"""KalshiRT across crashes and absences, over TCP to `manage.py runfix` processes killed with SIGKILL:
no outgoing sequence number is ever reused, and every report (including those produced while the
session was logged out or the acceptor was down) is resent from the store with PossDupFlag."""

import contextlib

import pytest

from exchange import services
from exchange.engine.units import price_from_cents
from exchange.fix.session import Target
from exchange.models import FixStoredMessage
from tests.fix.keys import fix_key
from tests.fix.raw_client import RawClient
from tests.fix.test_session_layer import order
from tests.support.factories import make_market, make_user
from tests.support.servers import free_port, running, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@contextlib.contextmanager
def runfix():
    """A runfix process; yields (process, KalshiRT port)."""
    ports = {name: free_port() for name in ("nr", "rt", "dc", "pt")}
    args = ["manage.py", "runfix"] + [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    with running(args, port=ports["rt"], log_name="runfix-rt") as process:
        yield process, ports["rt"]


def kill_9(process) -> None:
    process.kill()
    process.wait(10)


def sell(user, ticker: str, cents: int, contracts: int) -> None:
    services.order_create(user=user, request=services.OrderRequest(
        ticker=ticker, side="yes", action="sell", yes_price=price_from_cents(cents), count=contracts * 100))


def resend_all(client: RawClient, begin: int, upto: int) -> tuple[list, list]:
    """Send ResendRequest(begin..infinity); returns (the resent messages below `upto`, in sequence, and
    the live ones that came meanwhile)."""
    client.send("2", [(7, str(begin)), (16, "0")])
    replayed, live, seq = [], [], begin
    while seq < upto:
        message = client.expect("8", "4", "j", "r", "9")
        if message.get(43) != "Y":
            live.append(message)
        elif message.msg_type == "4":
            assert message.get(123) == "Y"
            seq = int(message.get(36))
        else:
            assert int(message.get(34)) == seq
            replayed.append(message)
            seq += 1
    return replayed, live


def test_no_sequence_number_is_reused_after_kill_9():
    """After a burst of reports, SIGKILL and a restart, the Logon reply's MsgSeqNum is above every number
    the client saw, and a full resend returns every report it saw, flagged as possible duplicates."""
    user, seller, market = make_user(), make_user(), make_market()
    key, pem = fix_key(user)
    seen: dict[int, object] = {}
    with runfix() as (process, port):
        client = RawClient(port, str(key.key_id), pem, Target.RT.value)
        assert client.logon().msg_type == "A"
        for i in range(6):
            client.send("D", order(market.ticker, f"burst-{i}", price="50", qty="3"))
        for _ in range(6):
            new = client.expect("8")
            seen[int(new.get(34))] = new
        for _ in range(18):  # one contract at a time: a stream of separate commits and reports
            sell(seller, market.ticker, 50, 1)
        for _ in range(18):
            trade = client.expect("8")
            seen[int(trade.get(34))] = trade
        kill_9(process)
        client.close()
    with runfix() as (_process, port):
        again = RawClient(port, str(key.key_id), pem, Target.RT.value)
        try:
            reply = again.logon(reset=False, seq=client.seq)
            assert reply.msg_type == "A" and int(reply.get(34)) > max(seen)
            replayed, live = resend_all(again, 1, int(reply.get(34)))
        finally:
            again.close()
    exec_ids = {m.get(17) for m in seen.values()}
    assert {m.get(17) for m in replayed} == exec_ids
    for message in replayed:
        original = seen.get(int(message.get(34)))
        if original is None:  # numbered after the crash: a report handled just before it, kept again
            assert int(message.get(34)) > max(seen) and message.get(17) in exec_ids
        else:  # a number the client saw is resent as the very message it saw
            assert (message.get(43), message.get(122), message.get(17)) == ("Y", original.get(52), original.get(17))
    # Reports handled just before the kill may also come again live (at least once): never new ExecIDs.
    assert {m.get(17) for m in live} <= exec_ids


def test_reports_made_while_logged_out_and_while_runfix_was_down_are_resent():
    """A fill while runfix is killed and another while the session is logged out are both stored for
    the session; after logging on without reset, a ResendRequest delivers both Trade reports."""
    user, seller, market = make_user(), make_user(), make_market()
    key, pem = fix_key(user)
    with runfix() as (process, port):
        client = RawClient(port, str(key.key_id), pem, Target.RT.value)
        client.logon()
        client.send("D", order(market.ticker, "away-1", price="45", qty="4"))
        new = client.expect("8")
        client.send("5", [])
        last_seen = int(client.expect("5").get(34))
        client.close()
        kill_9(process)
    sell(seller, market.ticker, 45, 1)  # nobody is reading the outbox now
    stored_before = FixStoredMessage.objects.filter(key_id=key.key_id).count()
    with runfix() as (process, port):
        stored = wait_until(lambda: FixStoredMessage.objects.filter(key_id=key.key_id).count() > stored_before,
                            process, what="the fill made while runfix was down to be stored")
        assert stored
        sell(seller, market.ticker, 45, 2)  # runfix is up; the session is still logged out
        wait_until(lambda: FixStoredMessage.objects.filter(key_id=key.key_id).count() >= stored_before + 2,
                   process, what="the fill made while logged out to be stored")
        again = RawClient(port, str(key.key_id), pem, Target.RT.value)
        try:
            reply = again.logon(reset=False, seq=client.seq)
            assert int(reply.get(34)) == last_seen + 3  # two stored reports, then the Logon
            replayed, live = resend_all(again, last_seen + 1, int(reply.get(34)))
        finally:
            again.close()
    assert [(m.get(150), m.get(37), m.get(32), m.get(43)) for m in replayed] == [
        ("F", new.get(37), "1.00", "Y"), ("F", new.get(37), "2.00", "Y")]
    assert [m.get(14) for m in replayed] == ["1.00", "3.00"] and all(m.get(122) for m in replayed)
    assert not live
