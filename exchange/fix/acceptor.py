"""The asyncio FIX acceptor: one listening socket per Kalshi session type, a connection per client.

The transport owns sockets and timers; `session.Session` decides what the bytes mean; order entry
runs `exchange.fix.orders` in worker threads (never on the event loop); every execution and
settlement report comes from the outbox, tailed by one task, so FIX, REST, the market maker and
other processes all show up on a session the same way.
"""

import asyncio
import contextlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as clock
from zoneinfo import ZoneInfo

from django.db import close_old_connections, connections

from exchange.fix import store
from exchange.fix.connection import Connection
from exchange.fix.outbox import OutboxTail
from exchange.fix.reports import Report, execution_reports
from exchange.fix.session import Target

log = logging.getLogger(__name__)


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
    maintenance: Maintenance | None = None
    workers: int = 8

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
                   poll_interval_s=float(fix.get("POLL_INTERVAL_S", 0.025)), maintenance=maintenance)


class Acceptor:
    def __init__(self, config: AcceptorConfig) -> None:
        self.config = config
        self.executor = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="fix-db")
        self.sessions: dict[tuple[str, Target], Connection] = {}
        self.by_user: dict[int, set[Connection]] = {}
        self.order_keys: dict[str, str] = {}
        self.ports: dict[Target, int] = {}
        self._servers: list[asyncio.base_events.Server] = []
        self._tasks: list[asyncio.Task] = []
        self._wake = asyncio.Event()
        self._in_maintenance = False
        self._tail: OutboxTail | None = None

    async def db(self, fn, *args):
        """Run a synchronous ORM call in a worker thread."""
        def call():
            close_old_connections()
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    async def start(self) -> None:
        self._tail = OutboxTail(await self.db(store.latest_event_id))
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
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._close_db_connections()
        self.executor.shutdown(wait=True)

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

    def wake(self) -> None:
        """Read the outbox now (after this acceptor changed something)."""
        self._wake.set()

    # --- connections --------------------------------------------------------------------------
    async def _serve(self, target: Target, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection(self, target, reader, writer)
        try:
            await conn.run()
        except Exception:
            log.exception("FIX connection on %s failed", target.value)
            # The client learns why the session ended instead of seeing the socket drop.
            with contextlib.suppress(Exception):
                await conn.end("the exchange could not process a message; log on again")
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

    # --- outbox ------------------------------------------------------------------------------------
    async def _tail_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.config.poll_interval_s)
            self._wake.clear()
            try:
                events = await self.db(self._tail.poll, time.monotonic())
                if events:
                    self._route(events)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reading the outbox failed")
                await asyncio.sleep(0.5)

    def _route(self, events) -> None:
        by_user: dict[int, list] = {}
        for event in events:
            if event.user_id in self.by_user:
                by_user.setdefault(event.user_id, []).append(event)
        for user_id, user_events in by_user.items():
            conns = list(self.by_user.get(user_id, ()))
            rendered: dict[bool, list[Report]] = {}
            for conn in conns:
                if conn.dollars not in rendered:
                    rendered[conn.dollars] = execution_reports(user_events, dollars=conn.dollars)
                conn.deliver_reports(rendered[conn.dollars])
                conn.deliver_settlements([e for e in user_events if e.kind == "settlement"])

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
