"""The asyncio FIX acceptor: one listening socket per Kalshi session type, a connection per client.

The transport owns sockets and timers; `session.Session` decides what the bytes mean; order entry
submits `exchange.fix.orders` commands to the sequencer, many at once per session (`pipeline`).
Every execution and settlement report comes from committed outbox events: those committed in this
process as they are published after their commit, the rest from the outbox, tailed by one task
(`merge` makes one stream of the two), so FIX, REST, the market maker and other processes all show
up on a session the same way.
"""

import asyncio
import contextlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as clock
from zoneinfo import ZoneInfo

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connection, connections

from exchange.fix import store
from exchange.fix.connection import FAILED, Connection
from exchange.fix.merge import Batch, EventMerge, Readiness, published_batches
from exchange.fix.reports import Report, execution_reports
from exchange.fix.session import Target
from exchange.outbox import Envelope, EventKind, OutboxReader, add_listener, remove_listener
from exchange.outbox.cursors import cursor_load, cursor_save
from exchange.outbox.notify import OutboxListener
from exchange.services import publish

log = logging.getLogger(__name__)
REPORTED = (EventKind.EXECUTION, EventKind.SETTLEMENT)  # the outbox kinds FIX sessions hear about
CURSOR = "fix-acceptor"
CURSOR_SAVE_S = 1.0
BUSY_TAIL_GAP_S = 0.02  # under load the tail reads in batches: commits here reach sessions live


@dataclass(frozen=True)
class Maintenance:
    """A daily window during which sessions are logged out and sequences reset."""

    start: clock
    end: clock
    tz: str = "America/New_York"

    def contains(self, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.tz)).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True)
class AcceptorConfig:
    host: str = "127.0.0.1"
    ports: dict[Target, int] = field(default_factory=lambda: {
        Target.NR: 8228, Target.DC: 8229, Target.RT: 8230, Target.PT: 8231})
    logon_window_s: float = 120.0
    min_heartbeat: int = 3
    poll_interval_s: float = 0.025
    idle_poll_s: float = 5.0  # polls back off to this while quiet; commits wake the tail before that
    maintenance: Maintenance | None = None
    workers: int = 8
    max_in_flight: int = 64  # commands one session may have in flight before it stops being read

    @classmethod
    def from_settings(cls, fix: dict) -> "AcceptorConfig":
        window = fix.get("MAINTENANCE")
        maintenance = None
        if window:
            start, end = (clock.fromisoformat(t) for t in window["WINDOW"])
            maintenance = Maintenance(start, end, window.get("TZ", "America/New_York"))
        ports = {Target(name): int(port) for name, port in fix.get("PORTS", {}).items()}
        return cls(host=fix.get("HOST", "127.0.0.1"), ports=ports or cls().ports,
                   logon_window_s=float(fix.get("LOGON_WINDOW_S", 120)),
                   min_heartbeat=int(fix.get("MIN_HEARTBEAT_S", 3)),
                   poll_interval_s=float(fix.get("POLL_INTERVAL_S", 0.025)),
                   idle_poll_s=float(fix.get("IDLE_POLL_S", 5.0)), maintenance=maintenance,
                   max_in_flight=int(fix.get("MAX_IN_FLIGHT", 64)))


class Acceptor:
    def __init__(self, config: AcceptorConfig) -> None:
        self.config = config
        self.executor = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="fix-db")
        self.sessions: dict[tuple[str, Target], Connection] = {}
        self.by_user: dict[int, set[Connection]] = {}
        self.order_keys: dict[str, str] = {}       # order id -> API key id of the session that placed it
        self.rt_orders: set[str] = set()            # orders whose reports a retransmission session keeps
        self.answering: Counter[Hashable] = Counter()  # orders whose commands have not answered yet
        self.merge = EventMerge(self._readiness)
        self.ports: dict[Target, int] = {}
        self._servers: list[asyncio.base_events.Server] = []
        self._tasks: list[asyncio.Task] = []
        self._wake = asyncio.Event()
        self._in_maintenance = False
        self._reader: OutboxReader | None = None
        # The outbox is read on one thread that keeps its database connection between reads.
        self._outbox_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fix-outbox")
        self._listener = None
        self._notified = OutboxListener()
        self._cursor_saved_at = 0.0
        self.session_lock = asyncio.Lock()  # logons of retransmission sessions vs. storing reports for them

    @property
    def outbox_queries(self) -> int:
        """Statements the outbox reader has run (its idle cost shows here)."""
        return self._reader.queries if self._reader is not None else 0

    async def _outbox(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._outbox_thread, fn, *args)

    async def db(self, fn, *args):
        """Run a synchronous ORM call in a worker thread."""
        def call():
            close_old_connections()
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        # Blocking calls handed to this loop's default executor (e.g. by sync_to_async) run on the
        # acceptor's workers too, whose database connections go back to the pool when it stops.
        loop.set_default_executor(self.executor)
        self._reader = await self._outbox(self._open_reader)
        self._listener = lambda: loop.call_soon_threadsafe(self._wake.set)
        add_listener(self._listener)
        self._subscriber = self._published_from(loop)
        publish.subscribe(self._subscriber)
        self._notified.start()  # other processes' commits wake the tail too (PostgreSQL)
        for target, port in self.config.ports.items():
            server = await asyncio.start_server(
                lambda r, w, t=target: self._serve(t, r, w), self.config.host, port)
            self.ports[target] = server.sockets[0].getsockname()[1]
            self._servers.append(server)
        self._tasks = [asyncio.create_task(self._tail_loop()), asyncio.create_task(self._tick_loop())]
        log.info("FIX acceptor listening: %s", {t.value: p for t, p in self.ports.items()})

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        for conn in list(self.sessions.values()):
            await conn.end("exchange shutting down")
        remove_listener(self._listener)
        publish.unsubscribe(self._subscriber)
        await asyncio.get_running_loop().run_in_executor(None, self._notified.stop)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._close_db_connections()
        # Commands that ran inline (ENGINE_MODE "inline") ran on the one thread-sensitive worker.
        await sync_to_async(_close_connection)()
        self.executor.shutdown(wait=True)
        await self._outbox(_close_connection)
        self._outbox_thread.shutdown(wait=True)

    async def _close_db_connections(self) -> None:
        """Each worker thread holds its own connection: close them all, one task per thread."""
        workers = self.config.workers
        barrier = threading.Barrier(workers)

        def close():
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=2)
            connections.close_all()
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self.executor, close) for _ in range(workers)))

    # --- connections --------------------------------------------------------------------------
    async def _serve(self, target: Target, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection(self, target, reader, writer)
        try:
            await conn.run()
        except Exception:
            log.exception("FIX connection on %s failed", target.value)
            # The client learns why the session ended instead of seeing the socket drop.
            with contextlib.suppress(Exception):
                await conn.end(FAILED)
        finally:
            await conn.cleanup()

    def in_maintenance(self) -> bool:
        window = self.config.maintenance
        return window is not None and window.contains(datetime.now(UTC))

    def register(self, conn: Connection) -> str | None:
        """Claim the (key, session type) slot; returns why not when it is taken."""
        slot = (conn.key_id, conn.target)
        current = self.sessions.get(slot)
        if current is not None and not current.finished:
            return "a session for this API key is already logged on"
        if current is not None:
            self.unregister(current)
        self.sessions[slot] = conn
        self.by_user.setdefault(conn.user.pk, set()).add(conn)
        return None

    def unregister(self, conn: Connection) -> None:
        slot = (conn.key_id, conn.target)
        if self.sessions.get(slot) is conn:
            del self.sessions[slot]
        if conn.user is not None:
            self.by_user.get(conn.user.pk, set()).discard(conn)

    # --- live events: published in this process after their commit ------------------------------
    def _published_from(self, loop: asyncio.AbstractEventLoop):
        """The publish subscriber: runs in the committing thread, hands the batches to the loop."""
        def published(rows: Sequence) -> None:
            batches = published_batches(rows, REPORTED)
            if batches and not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # the loop stopped meanwhile
                    loop.call_soon_threadsafe(self._on_published, batches)
        return published

    def _on_published(self, batches: list[Batch]) -> None:
        for batch in batches:
            self._deliver(self.merge.published(batch))

    def _readiness(self, event: Envelope) -> Readiness:
        """Whether a live event may go to the sessions now, or must wait for its command's answer or
        for the tail (which knows owners this process has not seen, and stores for absent sessions)."""
        if event.kind is not EventKind.EXECUTION:
            return Readiness.READY
        fact = event.payload
        order_id = fact["order_id"]
        if ("id", order_id) in self.answering or ("cl", event.user_id, fact["client_order_id"]) in self.answering:
            return Readiness.WAIT
        owner = self.order_keys.get(order_id)
        if owner is None:
            return Readiness.TAIL if fact["source"] == "fix" else Readiness.READY
        if order_id in self.rt_orders and not self.online(owner):
            return Readiness.TAIL
        return Readiness.READY

    @contextlib.contextmanager
    def answering_for(self, names: Iterable[Hashable]) -> Iterator[None]:
        """Hold the reports of these orders (("id", order id) or ("cl", user id, ClOrdID)) until the
        command that names them has answered, then deliver what it released."""
        names = list(names)
        self.answering.update(names)
        try:
            yield
        finally:
            self.answering.subtract(names)
            for name in names:
                if self.answering[name] <= 0:
                    del self.answering[name]
            self._deliver(self.merge.drain())

    def online(self, key_id: str) -> bool:
        """The retransmission session of this API key is logged on here and not leaving."""
        conn = self.sessions.get((key_id, Target.RT))
        return conn is not None and not conn.finished

    # --- outbox ------------------------------------------------------------------------------------
    async def _tail_loop(self) -> None:
        """Read the outbox when a commit wakes it, else poll, backing off while it is quiet; while
        events keep coming, at most once per BUSY_TAIL_GAP_S (this process's own arrive live).
        After a failure the reader restarts from the saved cursor: reports are repeated, never lost."""
        interval, busy = self.config.poll_interval_s, False
        while True:
            if busy:
                await asyncio.sleep(min(interval, BUSY_TAIL_GAP_S))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=interval)
            self._wake.clear()
            try:
                if self._reader is None:
                    self._reader = await self._outbox(self._open_reader)
                events, owners, cursor = await self._outbox(self._read)
                await self._route(events, owners, cursor)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reading the outbox failed")
                self._reader = None
                with contextlib.suppress(Exception):
                    await self._outbox(_close_connection)  # reconnect next time
                await asyncio.sleep(0.5)
                continue
            busy = bool(events) or self._reader.behind
            interval = self.config.poll_interval_s if busy else min(interval * 2, self.config.idle_poll_s)

    @staticmethod
    def _open_reader() -> OutboxReader:
        """Resume after the saved cursor; the first start begins at the outbox's head."""
        after = cursor_load(CURSOR)
        if after is not None:
            return OutboxReader(after_id=after, kinds=REPORTED)
        reader = OutboxReader.at_head(kinds=REPORTED)
        cursor_save(CURSOR, reader.cursor)
        return reader

    def _read(self) -> tuple[list[Envelope], dict[str, str], int]:
        """The next events, which retransmission session owns each reported order, and the cursor."""
        events = self._reader.read_batch(5000)
        order_ids = [e.payload["order_id"] for e in events if e.kind is EventKind.EXECUTION]
        return events, store.order_sessions(order_ids) if order_ids else {}, self._reader.cursor

    async def _route(self, events: list[Envelope], owners: dict[str, str], cursor: int) -> None:
        """Deliver what was not delivered live to the sessions logged on, store for the retransmission
        sessions that are not, and only then save the cursor."""
        self.order_keys.update(owners)
        self.rt_orders.update(owners)
        async with self.session_lock:
            fresh = self.merge.tailed(events, cursor)
            offline = []
            for event in fresh:
                owner = owners.get(event.payload.get("order_id")) if event.kind is EventKind.EXECUTION else None
                if owner is not None and not self.online(owner):
                    offline.append((owner, event))
            touched = self._deliver(fresh) | self._deliver(self.merge.drain())
            await asyncio.gather(*(conn.flush() for conn in touched))
            # The cursor only needs to be no later than what is stored; saving it about once a second
            # keeps writes off the order path (after a crash a few reports come again, same ExecIDs).
            now = time.monotonic()
            if offline or (events and now - self._cursor_saved_at >= CURSOR_SAVE_S):
                await self._outbox(store.store_offline, offline, CURSOR, cursor)
                self._cursor_saved_at = now

    def _deliver(self, events: list[Envelope]) -> set[Connection]:
        by_user: dict[int, list[Envelope]] = {}
        for event in events:
            if event.user_id in self.by_user:
                by_user.setdefault(event.user_id, []).append(event)
        touched: set[Connection] = set()
        for user_id, user_events in by_user.items():
            conns = list(self.by_user.get(user_id, ()))
            rendered: dict[bool, list[Report]] = {}
            for conn in conns:
                if conn.dollars not in rendered:
                    rendered[conn.dollars] = execution_reports(user_events, dollars=conn.dollars)
                conn.deliver_reports(rendered[conn.dollars])
                conn.deliver_settlements([e for e in user_events if e.kind is EventKind.SETTLEMENT])
                touched.add(conn)
        return touched

    # --- timers ------------------------------------------------------------------------------------
    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            now = time.monotonic()
            for conn in list(self.sessions.values()) + list(Connection.pending):
                conn.tick(now)
            inside = self.in_maintenance()
            if inside and not self._in_maintenance:
                for conn in list(self.sessions.values()):
                    await conn.end("daily maintenance window")
                try:
                    await self.db(store.reset_all)
                except Exception:
                    log.exception("resetting FIX sequences for maintenance failed")
            self._in_maintenance = inside


def run_forever(config: AcceptorConfig, stop: threading.Event | None = None,
                started: threading.Event | None = None, holder: dict | None = None) -> None:
    """Run an acceptor on a fresh event loop in this thread until `stop` is set."""
    async def main():
        acceptor = Acceptor(config)
        await acceptor.start()
        if holder is not None:
            holder["acceptor"] = acceptor
            holder["loop"] = asyncio.get_running_loop()
        if started is not None:
            started.set()
        try:
            while stop is None or not stop.is_set():
                await asyncio.sleep(0.2)
        finally:
            await acceptor.stop()
    asyncio.run(main())


def _close_connection() -> None:
    """Close the calling thread's database connection (Django keeps one per thread)."""
    connection.close()

