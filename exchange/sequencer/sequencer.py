"""The sequencer: runs commands against memory and commits them in batches.

`run` executes a list of commands in the caller's thread (the inline mode, and the body of the
thread mode): consecutive order-entry commands share one batch, i.e. one transaction; the others run
alone. Each command's outcome (its result, or its refusal) is known only once its batch committed.
A refused command stages nothing; a batch that fails to commit leaves memory reset, to be reloaded
from the tables, and fails its commands, none of which was acknowledged.
"""

import contextlib
import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, OperationalError, connection, transaction

from exchange.sequencer.batch import Batch
from exchange.sequencer.commands import kind_of
from exchange.sequencer.memory import MarketMemory
from exchange.services.errors import ExchangeError

log = logging.getLogger(__name__)
MAX_BATCH = 256
RETRIES = 3
_RETRYABLE = {"40P01", "40001"}  # deadlock detected, serialization failure


@dataclass
class Command:
    name: str
    kwargs: dict
    future: Future = field(default_factory=Future)


class Sequencer:
    def __init__(self) -> None:
        self.memory: dict[int, MarketMemory] = {}
        self.lock = threading.RLock()  # held while a batch runs; memory is only touched under it
        self._queue: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.batches = 0
        self.commands = 0

    def reset(self) -> None:
        with self.lock:
            self.memory.clear()

    def warm(self) -> int:
        """Load every market's resting orders, as a restart does; returns how many."""
        from exchange.models import Market, Order

        with self.lock:
            self.memory.clear()
            markets = {m.pk: MarketMemory(m.pk, m.version) for m in Market.objects.only("id", "version")}
            count = 0
            for order in (Order.objects.filter(status=Order.Status.RESTING).order_by("market_id", "priority")
                          .iterator(chunk_size=5_000)):
                markets[order.market_id].place(order)
                count += 1
            self.memory.update(markets)
            return count

    # --- the caller's thread ---------------------------------------------------------------------
    def run(self, commands: list[Command]) -> None:
        """Run commands here and now, settling each one's future."""
        with self.lock:
            follow_ups: list[Command] = []
            for group, alone in _groups(commands):
                follow_ups += self._commit(group, alone=alone)
            for command in follow_ups:
                self._commit([command], alone=True)
                if command.future.exception() is not None:
                    log.error("follow-up %s failed: %s", command.name, command.future.exception())

    # --- the sequencer's own thread ----------------------------------------------------------------
    def start(self) -> None:
        """Start the sequencer thread now (it loads memory first) rather than on the first command."""
        self._ensure_thread()

    def submit(self, command: Command) -> Future:
        self._ensure_thread()
        self._queue.put(command)
        return command.future

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self.lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._loop, name="sequencer", daemon=True)
                    self._thread.start()

    def stop(self) -> None:
        """Let the thread finish what is queued, then end it and close its connection."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(_STOP)
            thread.join()
        self._thread = None

    def _loop(self) -> None:
        try:
            self.warm()
        except DatabaseError:
            log.exception("sequencer could not load memory; markets load on first use")
        while True:
            commands = [self._queue.get()]
            while len(commands) < MAX_BATCH and commands[-1] is not _STOP:
                try:
                    commands.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stopping = commands[-1] is _STOP
            if stopping:
                commands.pop()
            try:
                if commands:
                    self.run(commands)
            except Exception as exc:  # never lose the loop; every command gets an answer
                log.exception("sequencer batch failed")
                for command in commands:
                    if not command.future.done():
                        command.future.set_exception(exc)
            if stopping:
                connection.close()
                return

    # --- one batch -------------------------------------------------------------------------------
    def _commit(self, commands: list[Command], *, alone: bool) -> list[Command]:
        """Run these commands in one transaction; returns the follow-up commands they asked for."""
        pending = list(commands)
        attempt = 0
        while pending:
            outcomes: dict[int, Any] = {}
            try:
                with transaction.atomic():
                    batch = Batch(self.memory, eager=alone)
                    with batch:
                        _prefetch(batch, pending)
                        for command in pending:
                            outcomes[id(command)] = self._one(batch, command, alone=alone)
                        batch.write()
            except _CommandBroke as broke:
                self._forget()
                broke.command.future.set_exception(broke.cause)
                pending.remove(broke.command)
                continue
            except DatabaseError as exc:
                self._forget()
                attempt += 1
                if _sqlstate(exc) in _RETRYABLE and attempt < RETRIES:
                    continue
                for command in pending:
                    command.future.set_exception(exc)
                return []
            self.batches += 1
            self.commands += len(pending)
            for command in pending:
                outcome = outcomes[id(command)]
                if isinstance(outcome, BaseException):
                    command.future.set_exception(outcome)
                else:
                    command.future.set_result(outcome)
            return [Command(name, kwargs) for name, kwargs in batch.after_commit]
        return []

    def _one(self, batch: Batch, command: Command, *, alone: bool) -> Any:
        run = kind_of(command.name).run
        staged = batch.staged
        try:
            if alone:
                with transaction.atomic():  # a refusal after a write undoes the write
                    return run(**command.kwargs)
            return run(**command.kwargs)
        except ExchangeError as refusal:
            if batch.staged != staged:
                if not alone:
                    raise _CommandBroke(command, refusal) from refusal
                self._forget()
            return refusal
        except DatabaseError:
            raise
        except Exception as exc:
            log.exception("command %s failed", command.name)
            raise _CommandBroke(command, exc) from exc

    def _forget(self) -> None:
        """Memory may hold what was never committed: reload every market from the tables on next use."""
        self.memory.clear()
        if connection.in_atomic_block is False:
            with contextlib.suppress(OperationalError):
                connection.close_if_unusable_or_obsolete()


_STOP = Command("", {})  # tells the thread to end


class _CommandBroke(Exception):
    """A command failed in a way that left part of its changes staged: the batch runs again without it."""

    def __init__(self, command: Command, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.command, self.cause = command, cause


def _groups(commands: list[Command]):
    """Consecutive order-entry commands together; every other command alone."""
    shared: list[Command] = []
    for command in commands:
        if kind_of(command.name).alone:
            if shared:
                yield shared, False
                shared = []
            yield [command], True
        else:
            shared.append(command)
    if shared:
        yield shared, False


def _prefetch(batch: Batch, commands: list[Command]) -> None:
    """With one statement each: lock the markets of the batch's orders (by ticker, or where memory has
    the order), then the accounts of the users submitting (makers they meet are locked as found),
    and read their client order ids."""
    if len(commands) < 2:
        return
    requests = [(c.kwargs["user_id"], c.kwargs["request"]) for c in commands if c.name == "order_create"]
    held = {batch.market_of_resting(str(c.kwargs["order_id"])) for c in commands if "order_id" in c.kwargs}
    batch.lock_markets((r.ticker for _, r in requests), held - {None})
    batch.lock_accounts({c.kwargs["user_id"] for c in commands if c.kwargs.get("user_id") is not None})
    batch.prefetch_client_order_ids((u, r.client_order_id) for u, r in requests)


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None)
