"""One client connection: socket reads into the session state machine, its actions back out.

Order commands run concurrently (`pipeline`: in arrival order per order, a bounded number at once);
reports arrive from the acceptor, each order's after its command has answered. Sequence numbers are
taken as messages are queued, so they follow the send order. Retransmission sessions store each batch
of messages and the sequence state before writing that batch, so a crash never reuses a sequence
number and every message a client saw can be resent.
"""

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Hashable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from exchange.api_changes import Change, in_force
from exchange.engine.rejects import RejectCode
from exchange.fix import orders, store
from exchange.fix.codec import Message
from exchange.fix.dictionary import DROP_COPY_TYPES, ORDER_ENTRY_TYPES
from exchange.fix.pipeline import Pipeline
from exchange.fix.rejects import cxl_rej_reason, ord_rej_reason
from exchange.fix.reports import (
    CLOSE_CANCELS,
    EXPIRY_CANCELS,
    Report,
    fold_new_into_trade,
    rejected_report,
    settlement_report,
    with_cancel_status,
)
from exchange.fix.session import Authenticate, Close, Deliver, Send, Session, State, Target
from exchange.models import Order
from exchange.signing import SignatureError

if TYPE_CHECKING:
    from exchange.fix.acceptor import Acceptor

log = logging.getLogger(__name__)
READ_CHUNK = 65536
FAILED = "the exchange could not process a message; log on again"


class Connection:
    pending: ClassVar[set["Connection"]] = set()  # connected, not yet logged on (for logon timeouts)

    def __init__(self, acceptor: "Acceptor", target: Target, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.acceptor = acceptor
        self.target = target
        self.reader, self.writer = reader, writer
        self.session = Session(target, logon_window_s=acceptor.config.logon_window_s,
                               min_heartbeat=acceptor.config.min_heartbeat)
        self.user = None
        self.key_id = ""
        self.can_write = False
        self.registered = False
        self.aliases: dict[str, str] = {}          # ClOrdID -> order id, for cancels and replaces
        self.own_orders: set[str] = set()          # orders this session placed (cancel on disconnect)
        self.request_ids: dict[str, tuple[str, str]] = {}  # order id -> (ClOrdID, OrigClOrdID) of a cancel
        self._unsaved: list[tuple[int, bytes]] = []
        self._outgoing: list[bytes] = []
        self._held: list[Report] = []             # reports held while the logon or a mass cancel is handled
        self._answering = False                   # a mass cancel's own answer (35=r) is not queued yet
        self._waiting: Counter = Counter()        # orders whose command has not answered yet
        self._held_orders: list[Report] = []      # their reports, sent once it has
        self.pipeline = Pipeline(acceptor.config.max_in_flight)
        self._flush_lock = asyncio.Lock()
        self._closed = False
        self._connected_at = time.monotonic()
        Connection.pending.add(self)

    @property
    def dollars(self) -> bool:
        return self.session.options.get(21005, False)

    @property
    def finished(self) -> bool:
        """Logged out or closing: a new logon may take this session's place."""
        return self._closed or self.session.state in (State.CLOSED, State.LOGGING_OUT)

    @property
    def listener(self) -> bool:
        return self.session.options.get(20126, False)

    @property
    def expired_for(self) -> frozenset[str]:
        """The cancel reasons this session sees as Expired: none unless it logged on with 21012=Y."""
        if not self.session.options.get(21012, False):
            return frozenset()
        if in_force(Change.FIX_EXPIRY_CANCEL_EXPIRED_FLAG):
            return CLOSE_CANCELS | EXPIRY_CANCELS
        return CLOSE_CANCELS

    @property
    def new_before_trade(self) -> bool:
        """A standalone New before the first Trade: only with Logon 21026=Y, once production offered it."""
        return in_force(Change.FIX_ALWAYS_EMIT_NEW_BEFORE_TRADE_FLAG) and self.session.options.get(21026, False)

    # --- loop --------------------------------------------------------------------------------
    async def run(self) -> None:
        while not self._closed:
            data = await self.reader.read(READ_CHUNK)
            if not data:
                return
            now = time.monotonic()
            actions = self.session.receive(data, now=now, wall=datetime.now(UTC))
            await self.perform(actions)

    async def perform(self, actions) -> None:
        for action in actions:
            if isinstance(action, Send):
                self._write(action)
            elif isinstance(action, Authenticate):
                await self.perform(await self._authenticate(action))
                self._deliver_held()
            elif isinstance(action, Deliver):
                await self._handle(action.message)
            elif isinstance(action, Close):
                self._closed = True
        await self.flush()

    def _write(self, action: Send) -> None:
        """Queue bytes for the socket; `flush` sends them (after storing them on RT and PT)."""
        self._outgoing.append(action.data)
        if self.target.retransmits and self.registered and action.seq in self.session.sent:
            self._unsaved.append((action.seq, action.data))

    async def flush(self) -> None:
        async with self._flush_lock:
            await self._flush_locked()

    async def _flush_locked(self) -> None:
        while self._outgoing:
            # Take the batch, its messages to store and the sequence state together: what is queued
            # while the store runs waits for the next round, so nothing is written unstored.
            data, self._outgoing = b"".join(self._outgoing), []
            batch, self._unsaved = self._unsaved, []
            next_in, next_out = self.session.next_in, self.session.next_out
            if self.target.retransmits and self.registered:
                await self.acceptor.db(store.save, self.key_id, self.target.value, next_in, next_out, batch,
                                       self.dollars)
            if not self.writer.is_closing():
                self.writer.write(data)
                with contextlib.suppress(ConnectionError):
                    await self.writer.drain()
        if self._closed and not self.writer.is_closing():
            self.writer.close()

    def send_app(self, msg_type: str, body: list[tuple[int, str]]) -> None:
        if self.session.state is State.ACTIVE:
            self._write(self.session.send_app(msg_type, body, now=time.monotonic()))

    def tick(self, now: float) -> None:
        if self.session.state is State.AWAITING_LOGON and now - self._connected_at > 10:
            actions = [Close("no Logon")]
        else:
            actions = self.session.tick(now)
        if actions:
            asyncio.get_running_loop().create_task(self.perform(actions))

    async def end(self, reason: str) -> None:
        await self.perform(self.session.logout(reason, now=time.monotonic()))

    # --- logon -------------------------------------------------------------------------------
    async def _authenticate(self, action: Authenticate):
        request, now = action.request, time.monotonic
        if self.acceptor.in_maintenance():
            return self.session.logon_rejected("the exchange is in its daily maintenance window", now=now())
        try:
            key = await self.acceptor.db(store.authenticate, request.sender, request.signed_text, request.signature)
        except SignatureError as error:
            return self.session.logon_rejected(f"{error}", now=now())
        self.user, self.key_id, self.can_write = key.user, str(key.key_id), key.can_write()
        if not self.can_write and self.target in (Target.NR, Target.RT) and not request.options.get(20126):
            return self.session.logon_rejected("this API key is read-only; log on as a listener session", now=now())
        # Reports for a logged-out session are stored under this lock; taking the slot and reading the
        # stored state under it too means each report is either in what we restore or delivered live.
        async with self.acceptor.session_lock:
            problem = self.acceptor.register(self)
            if problem is not None:
                self.user = None
                return self.session.logon_rejected(problem, now=now())
            self.registered = True
            Connection.pending.discard(self)
            restored = None
            if self.target.retransmits:
                if request.reset:
                    await self.acceptor.db(store.reset, self.key_id, self.target.value)
                else:
                    restored = await self.acceptor.db(store.restore, self.key_id, self.target.value)
        return self.session.logon_accepted(now=now(), restored=restored)

    # --- application messages ----------------------------------------------------------------
    async def _handle(self, msg: Message) -> None:
        mt, seq = msg.msg_type, int(msg.get(34) or 0)
        order_entry = self.target in (Target.NR, Target.RT)
        if (mt in ORDER_ENTRY_TYPES and not order_entry) or (mt in DROP_COPY_TYPES and self.target is not Target.DC):
            self._write(self.session.business_reject(seq, mt, 3, f"{mt} is not supported on {self.target.value}",
                                                     now=time.monotonic()))
            return
        if mt in ORDER_ENTRY_TYPES and (self.listener or not self.can_write):
            self._write(self.session.business_reject(seq, mt, 6, "listener sessions cannot enter orders",
                                                     now=time.monotonic(), ref_id=msg.get(11)))
            return
        handler = {"D": self._new_order, "F": self._cancel, "G": self._replace}.get(mt)
        if handler is not None:
            await self.pipeline.submit(self._order_names(msg), lambda: self._command(handler, msg))
        elif mt == "q":
            await self.pipeline.idle()  # it cancels what every command before it placed
            await self._command(self._mass_cancel, msg)
        elif mt == "U1":
            await self._event_resend(msg, seq)

    def _order_names(self, msg: Message) -> set[tuple[str, str]]:
        """The names a command knows its order by (ClOrdIDs, OrderID): commands sharing one run in order."""
        names = {("cl", c) for c in (msg.get(11), msg.get(41)) if c}
        order_id = msg.get(37) or self.aliases.get(msg.get(41) or "")
        if order_id:
            names.add(("id", order_id))
        return names

    async def _command(self, handler, msg: Message) -> None:
        """Run one command; a failure ends the session with a Logout that says so."""
        try:
            await handler(msg)
        except Exception:
            log.exception("FIX %s on %s failed", msg.msg_type, self.target.value)
            if not self._closed:
                await self.end(FAILED)
                self._closed = True
        await self.flush()

    @property
    def _owner_key(self) -> str | None:
        """Orders placed on a retransmission session keep their reports for it while it is away."""
        return self.key_id if self.target is Target.RT else None

    async def _new_order(self, msg: Message) -> None:
        # The order's reports wait for this answer: its owner is known only once it is placed.
        with self._answering_for([("cl", self.user.pk, msg.get(11) or "")]):
            result = await orders.new_order(self.user, msg, self.dollars, self._owner_key)
            if isinstance(result, orders.Refused):
                self.send_app("8", rejected_report(
                    cl_ord_id=msg.get(11), symbol=msg.get(55), side=msg.get(54), qty=msg.get(38),
                    price=msg.get(44), reason=ord_rej_reason(result.code),
                    text=f"{result.code.value}: {result.text}", exec_id=f"0;{self.session.next_out}"))
                return
            self._own(result, msg.get(11))

    @contextlib.contextmanager
    def _answering_for(self, names: list[Hashable]) -> Iterator[None]:
        """The reports of these orders wait for the command's answer (its reject, or its record of the
        order or the request), whether they come live or from the outbox tail."""
        self._waiting.update(names)
        try:
            with self.acceptor.answering_for(names):
                yield
        finally:
            self._waiting.subtract(names)
            self._waiting = +self._waiting
            held, self._held_orders = self._held_orders, []
            if held:
                self.deliver_reports(held)

    def _waits_for(self, report: Report) -> bool:
        return (("id", report.order_id) in self._waiting
                or ("cl", self.user.pk, dict(report.body).get(11)) in self._waiting)

    def _own(self, order: Order, cl_ord_id: str) -> None:
        order_id = str(order.id)
        self.aliases[cl_ord_id] = order_id
        self.own_orders.add(order_id)
        self.acceptor.order_keys[order_id] = self.key_id
        if self.target is Target.RT:
            self.acceptor.rt_orders.add(order_id)

    async def _cancel(self, msg: Message) -> None:
        order = await self.acceptor.db(orders.find_order, self.user, msg, self.aliases)
        if order is None:
            self._cancel_reject(msg, orders.Refused(RejectCode.ORDER_NOT_FOUND, "unknown order"), "1")
            return
        # Its Canceled report names this request (11, 41): it waits until the request is recorded.
        with self._answering_for([("id", str(order.id))]):
            result = await orders.cancel(self.user, order)
            if isinstance(result, orders.Refused):
                self._cancel_reject(msg, result, "1")
                return
            self.request_ids[str(result.id)] = (msg.get(11), msg.get(41))

    async def _replace(self, msg: Message) -> None:
        order = await self.acceptor.db(orders.find_order, self.user, msg, self.aliases)
        if order is None:
            self._cancel_reject(msg, orders.Refused(RejectCode.ORDER_NOT_FOUND, "unknown order"), "2")
            return
        with self._answering_for([("id", str(order.id))]):
            result = await orders.replace(self.user, order, msg, self.dollars, self._owner_key)
            if isinstance(result, orders.Refused):
                self._cancel_reject(msg, result, "2")
                return
            self._own(result, msg.get(11))

    def _cancel_reject(self, msg: Message, refused: orders.Refused, response_to: str) -> None:
        self.send_app("9", [(37, refused.order_id), (11, msg.get(11)), (41, msg.get(41)), (39, refused.ord_status),
                            (434, response_to), (102, str(cxl_rej_reason(refused.code))),
                            (58, f"{refused.code.value}: {refused.text}")])

    async def _mass_cancel(self, msg: Message) -> None:
        if msg.get(530) != "6":
            self.send_app("r", [(11, msg.get(11)), (37, msg.get(11)), (531, "0"), (532, "99"),
                                (58, "MassCancelRequestType (530) must be 6")])
            return
        self._answering = True  # its report comes before the Canceled reports it causes
        try:
            canceled = await orders.cancel_orders(self.user, await self.acceptor.db(orders.fix_resting_ids, self.user))
            self.send_app("r", [(11, msg.get(11)), (37, msg.get(11)), (531, "6"), (533, str(len(canceled)))])
        finally:
            self._answering = False
            self._deliver_held()

    async def _event_resend(self, msg: Message, seq: int) -> None:
        try:
            begin = tuple(int(p) for p in msg.get(21001).split(";"))
            end = tuple(int(p) for p in msg.get(21002).split(";")) if msg.get(21002) else None
            if len(begin) != 2 or (end is not None and len(end) != 2):
                raise ValueError
        except ValueError:
            self._write(self.session.reject(seq, "U1", 21001, 5, "ExecID must look like 123;0", now=time.monotonic()))
            return
        result = await self.acceptor.db(store.replay, self.user.pk, begin, end, self.dollars)
        if isinstance(result, int):
            self.send_app("U3", [(45, str(seq)), (21004, str(result))])
            return
        for report in result:
            self.send_app("8", report.body)
        self.send_app("U2", [(45, str(seq)), (21003, str(len(result)))])

    # --- reports -------------------------------------------------------------------------------
    def _deliver_held(self) -> None:
        held, self._held = self._held, []
        if held:
            self.deliver_reports(held)

    def deliver_reports(self, reports: list[Report]) -> None:
        if self.target is Target.PT:
            return
        if self.session.state is State.AUTHENTICATING or self._answering:
            self._held += reports
            return
        if self.session.state is not State.ACTIVE:
            return
        if self._waiting:
            passing = []
            for report in reports:
                (self._held_orders if self._waits_for(report) else passing).append(report)
            reports = passing
        if not self.new_before_trade:
            reports = fold_new_into_trade(reports)
        for report in reports:
            if self._wants(report):
                self.send_app("8", self._for_session(report))
        asyncio.get_running_loop().create_task(self.flush())

    def _wants(self, report: Report) -> bool:
        if self.target is Target.DC or self.listener:
            return True
        owner = self.acceptor.order_keys.get(report.order_id)
        return owner == self.key_id if owner is not None else report.source == "fix"

    def _for_session(self, report: Report) -> list[tuple[int, str]]:
        """The report as this session sees it: a Canceled answering its own cancel request names that
        request (11) and the order's ClOrdID (41); Replaced reports carry both ids from their fact."""
        body = with_cancel_status(report, self.expired_for)
        exec_type = dict(body)[150]
        ids = self.request_ids.get(report.order_id)
        if ids is None or exec_type != "4":
            return body
        body = [(t, ids[0] if t == 11 else v) for t, v in body if t != 41]
        body.insert(next(i for i, (t, _) in enumerate(body) if t == 44), (41, ids[1]))
        return body

    def deliver_settlements(self, events) -> None:
        wants = (self.target is Target.PT and self.session.options.get(20127, True)) or (
            self.target is Target.RT and self.session.options.get(20127, False))
        if not events or not wants or self.session.state is not State.ACTIVE:
            return
        for event in events:
            self.send_app("UMS", settlement_report(event, party_id=self.key_id))
        asyncio.get_running_loop().create_task(self.flush())

    # --- teardown ------------------------------------------------------------------------------
    async def cleanup(self) -> None:
        Connection.pending.discard(self)
        self._closed = True
        await self.pipeline.idle()  # commands already submitted finish (and are canceled below if asked)
        if self.registered:
            self.acceptor.unregister(self)
            if self.session.options.get(8013) and self.own_orders:
                try:
                    await orders.cancel_orders(self.user, sorted(self.own_orders))
                except Exception:
                    log.exception("cancel on disconnect failed")
        if not self.writer.is_closing():
            self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()

