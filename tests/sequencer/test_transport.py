"""The engine as its own process: `manage.py runengine` on PostgreSQL, and clients submitting to it over
TCP (exchange.sequencer.transport)."""

import asyncio
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.db import OperationalError

from exchange.engine.rejects import RejectCode
from exchange.models import Order
from exchange.sequencer import EngineUnavailable
from exchange.sequencer.frames import HELLO, LENGTH, MAC_SIZE, NONCE_SIZE, Channel, derive_key
from exchange.sequencer.transport import RemoteEngine
from exchange.services import OrderRequest
from exchange.services.errors import ExchangeError
from tests.support.engine import SECRET, Engine
from tests.support.factories import make_market, make_user
from tests.support.servers import ROOT, free_port, port_open, test_database_env, wait_until


@pytest.fixture(scope="module")
def engine_process(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        engine = Engine(tmp_path_factory.mktemp("engine"))
    yield engine
    if engine.process is not None and engine.process.poll() is None:
        engine.stop()


@pytest.fixture
def engine(engine_process, transactional_db) -> Engine:
    engine_process.ensure_running()
    return engine_process


@pytest.fixture
def remote(engine):
    remote = RemoteEngine(engine.url, secret=SECRET, timeout=60)
    yield remote
    remote.close()


def _dsn() -> str:
    return test_database_env()["DATABASE_URL"]


@contextmanager
def market_locked(ticker: str):
    """Hold the market's row lock from another connection, so a command on it waits inside the engine."""
    with psycopg.connect(_dsn()) as holder:
        holder.execute("SELECT 1 FROM exchange_market WHERE ticker = %s FOR UPDATE", [ticker])
        yield
        holder.rollback()


def waiting_on_locks() -> int:
    with psycopg.connect(_dsn(), autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND datname = current_database()").fetchone()[0]


def until(condition, engine: Engine, what: str) -> None:
    wait_until(condition, engine.process, what=what, log_path=engine.log_path)


def order(ticker: str, **fields) -> OrderRequest:
    return OrderRequest(**{"ticker": ticker, "side": "yes", "action": "buy", "yes_price": 4_000, "count": 100,
                           **fields})


def test_an_exchange_error_crosses_the_wire_with_its_code_message_and_details():
    """ExchangeError's own pickle would rebuild it from its message alone; the transport keeps all three."""
    key = derive_key(SECRET)
    sender, receiver = Channel(key, b"n" * NONCE_SIZE, server=True), Channel(key, b"n" * NONCE_SIZE, server=False)
    frame = sender.seal((7, "error", ExchangeError(RejectCode.MARKET_NOT_FOUND, "no such market", "X-1")))
    request_id, status, error = receiver.open(frame[LENGTH.size:])
    assert (request_id, status, type(error)) == (7, "error", ExchangeError)
    assert (error.code, error.message, error.details) == (RejectCode.MARKET_NOT_FOUND, "no such market", "X-1")


CLIENT_SCRIPT = """
import asyncio, json, django
django.setup()
from exchange import sequencer
from exchange.services import OrderRequest
ticker, user_id = {ticker!r}, {user_id!r}
buy = dict(ticker=ticker, side="yes", action="buy", count=100)
placed = sequencer.execute("order_create", user_id=user_id, request=OrderRequest(yes_price=4_000, **buy))
batch = sequencer.execute_many([
    ("order_create", dict(user_id=user_id, request=OrderRequest(yes_price=4_100, **buy))),
    ("order_create", dict(user_id=user_id, request=OrderRequest(**dict(buy, ticker="NO-SUCH"), yes_price=100))),
])
canceled = asyncio.run(sequencer.aexecute("order_cancel", user_id=user_id, order_id=str(placed.id)))
print(json.dumps({{"placed": str(placed.id), "second": str(batch[0].id), "refused": batch[1].code.value,
                   "canceled": [str(canceled.id), canceled.status]}}))
"""


def test_orders_from_a_client_process_land_through_the_engine(engine):
    """A process with ENGINE_URL and no reachable database of its own places, batches and cancels orders:
    they are in the tables, and a refusal comes back in its place in the batch."""
    market = make_market("ENG-LAND")
    user = make_user("engine-client")
    env = dict(test_database_env(SECRET_KEY=SECRET, ENGINE_URL=engine.url),
               DATABASE_URL="postgres://nobody:nothing@127.0.0.1:9/nowhere")
    script = CLIENT_SCRIPT.format(ticker=market.ticker, user_id=user.pk)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["refused"] == RejectCode.MARKET_NOT_FOUND.value
    assert result["canceled"] == [result["placed"], Order.Status.CANCELED]
    placed, second = Order.objects.get(pk=result["placed"]), Order.objects.get(pk=result["second"])
    assert (placed.status, placed.user_id, placed.price) == (Order.Status.CANCELED, user.pk, 4_000)
    assert (second.status, second.user_id, second.price) == (Order.Status.RESTING, user.pk, 4_100)


def test_one_connection_runs_commands_concurrently_and_answers_out_of_order(engine, remote):
    """An order waiting on its market's lock does not hold up a ping sent after it on the same connection."""
    market = make_market("ENG-CONC")
    user = make_user("engine-conc")

    async def scenario():
        with market_locked(market.ticker):
            waiting = asyncio.create_task(remote.aexecute("order_create", user_id=user.pk,
                                                          request=order(market.ticker)))
            while not waiting_on_locks():
                assert not waiting.done(), waiting.result()
                await asyncio.sleep(0.02)
            assert isinstance(await remote.aexecute("ping"), int)
            assert not waiting.done()
        return await waiting

    placed = asyncio.run(scenario())
    assert Order.objects.get(pk=placed.pk).status == Order.Status.RESTING


def _raw_connection(engine: Engine) -> tuple[socket.socket, bytes]:
    sock = socket.create_connection(("127.0.0.1", engine.port), timeout=30)
    hello = b""
    while len(hello) < len(HELLO) + NONCE_SIZE:
        hello += sock.recv(len(HELLO) + NONCE_SIZE - len(hello))
    return sock, hello[len(HELLO):]


def _closed_by_engine(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    finally:
        sock.close()


class _Plant:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return os.mkdir, (str(self.path),)


def test_bad_mac_garbage_replayed_and_oversized_frames_are_refused_and_the_engine_serves_on(engine, remote,
                                                                                             tmp_path):
    """Each bad frame closes its own connection, nothing in it is unpickled, and the engine goes on serving."""
    planted = tmp_path / "unpickled"
    payload = pickle.dumps((1, "one", ("ping", {"x": _Plant(planted)})))
    sock, _ = _raw_connection(engine)
    sock.sendall(LENGTH.pack(len(payload)) + b"\0" * MAC_SIZE + payload)
    assert _closed_by_engine(sock)

    sock, _ = _raw_connection(engine)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: engine\r\n\r\n")
    assert _closed_by_engine(sock)

    sock, _ = _raw_connection(engine)
    sock.sendall(LENGTH.pack(2**31))  # refused on the length alone: the body is never awaited
    assert _closed_by_engine(sock)

    first, nonce = _raw_connection(engine)
    channel = Channel(derive_key(SECRET), nonce, server=False)
    frame = channel.seal((1, "one", ("ping", {})))
    first.sendall(frame)
    size = LENGTH.unpack(first.recv(LENGTH.size, socket.MSG_WAITALL))[0]
    assert channel.open(first.recv(MAC_SIZE + size, socket.MSG_WAITALL))[:2] == (1, "ok")
    first.sendall(frame)  # the same frame again on its own connection: its number is spent
    assert _closed_by_engine(first)
    second, _ = _raw_connection(engine)
    second.sendall(frame)  # and on another connection, whose nonce differs
    assert _closed_by_engine(second)

    assert not planted.exists()
    assert engine.process.poll() is None
    assert isinstance(remote.execute("ping"), int)


def _authentic(engine: Engine, payload: bytes) -> socket.socket:
    """A connection that has sent one correctly authenticated frame carrying `payload`."""
    sock, nonce = _raw_connection(engine)
    sock.sendall(Channel(derive_key(SECRET), nonce, server=False).seal_payload(payload))
    return sock


def test_authentic_frames_that_are_not_requests_close_their_connection_and_the_engine_serves_on(engine, remote):
    """A frame with a good MAC that names a class this engine lacks (as a client of another version
    might send), or that is not a request, is refused like a forged one."""
    missing_class = b"cexchange.no_such_module\nThing\n(tR."
    assert _closed_by_engine(_authentic(engine, missing_class))
    assert _closed_by_engine(_authentic(engine, pickle.dumps(42)))
    assert _closed_by_engine(_authentic(engine, pickle.dumps((1, "launch", ("ping", {})))))
    assert engine.process.poll() is None
    assert isinstance(remote.execute("ping"), int)


def test_a_command_that_cannot_be_sent_fails_in_the_caller_and_the_next_is_served(engine, remote):
    """kwargs that do not pickle are the caller's bug: the pickling error is raised in the caller (not
    EngineUnavailable, since nothing was sent), and the client's next command is answered."""
    def unpicklable():
        return None

    with pytest.raises((pickle.PicklingError, AttributeError)):
        remote.execute("ping", callback=unpicklable)
    assert isinstance(remote.execute("ping"), int)

    async def both():
        with pytest.raises((pickle.PicklingError, AttributeError)):
            await remote.aexecute("ping", callback=unpicklable)
        return await remote.aexecute("ping")

    assert isinstance(asyncio.run(both()), int)


def test_a_client_with_another_secret_is_refused(engine, remote):
    """A client keyed from another SECRET_KEY gets no answer: the engine hangs up on its first command."""
    stranger = RemoteEngine(engine.url, secret="some-other-secret")
    with pytest.raises(EngineUnavailable):
        stranger.execute("ping")
    stranger.close()
    assert isinstance(remote.execute("ping"), int)


def test_killing_the_engine_mid_command_raises_engine_unavailable(engine, remote):
    """Sync and async callers whose commands were under way when the engine died get EngineUnavailable
    saying the command may have been applied, not a hang and not a bare socket error."""
    market = make_market("ENG-KILL")
    user = make_user("engine-kill")
    outcome: dict[str, BaseException] = {}

    def sync_caller():
        try:
            remote.execute("order_create", user_id=user.pk, request=order(market.ticker))
        except BaseException as error:  # noqa: BLE001 - the outcome is what the test asserts
            outcome["sync"] = error

    received = threading.Event()

    async def async_caller():
        placing = asyncio.create_task(remote.aexecute("order_create", user_id=user.pk,
                                                      request=order(market.ticker, yes_price=4_100)))
        await remote.aexecute("ping")  # answered after the engine has read the order sent before it
        received.set()
        try:
            await placing
        except BaseException as error:  # noqa: BLE001
            outcome["async"] = error

    with market_locked(market.ticker):
        thread = threading.Thread(target=sync_caller)
        thread.start()
        until(waiting_on_locks, engine, "the sync caller's command waiting on the market")
        loop_thread = threading.Thread(target=lambda: asyncio.run(async_caller()))
        loop_thread.start()
        until(received.is_set, engine, "the engine to read the async caller's command")
        engine.kill()
        thread.join(60)
        loop_thread.join(60)
    for caller in ("sync", "async"):
        assert isinstance(outcome[caller], EngineUnavailable), outcome
        assert outcome[caller].maybe_applied


def test_a_reply_that_never_comes_is_engine_unavailable_and_the_next_call_is_served(engine):
    """A command stuck in the engine past the caller's timeout raises EngineUnavailable (it may yet be
    applied); the caller's next command goes out on a fresh connection and is answered."""
    market = make_market("ENG-SLOW")
    user = make_user("engine-slow")
    impatient = RemoteEngine(engine.url, secret=SECRET, timeout=1)
    try:
        with market_locked(market.ticker):
            with pytest.raises(EngineUnavailable) as stuck:
                impatient.execute("order_create", user_id=user.pk, request=order(market.ticker))
            assert stuck.value.maybe_applied
            with pytest.raises(EngineUnavailable) as stuck:
                asyncio.run(impatient.aexecute("order_create", user_id=user.pk,
                                               request=order(market.ticker, yes_price=4_100)))
            assert stuck.value.maybe_applied
            assert isinstance(impatient.execute("ping"), int)
        # Once the lock is gone the stuck commands commit: they were applied after all (and must be
        # done before the test's tables are emptied).
        stuck_orders = Order.objects.filter(market__ticker=market.ticker)
        wait_until(lambda: stuck_orders.count() == 2, engine.process, timeout=60,
                   what="the stuck commands to commit")
    finally:
        impatient.close()


def test_the_client_reconnects_after_the_engine_restarts(engine, remote):
    """While the engine is down calls fail fast with EngineUnavailable (not applied); once it is back the
    same client's sync and async calls are served again on new connections."""
    with asyncio.Runner() as runner:  # one event loop throughout, so one async connection to replace
        assert isinstance(remote.execute("ping"), int)
        assert isinstance(runner.run(remote.aexecute("ping")), int)
        engine.kill()
        with pytest.raises(EngineUnavailable) as refused:
            remote.execute("ping")
        assert not refused.value.maybe_applied
        with pytest.raises(EngineUnavailable):
            runner.run(remote.aexecute("ping"))
        engine.start()
        assert isinstance(remote.execute("ping"), int)
        assert isinstance(runner.run(remote.aexecute("ping")), int)


def test_sigterm_lets_the_command_under_way_finish_and_reply(engine, remote):
    """On SIGTERM the engine stops listening, finishes the command it is running, answers it, and exits 0."""
    market = make_market("ENG-TERM")
    user = make_user("engine-term")
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(
        placed=remote.execute("order_create", user_id=user.pk, request=order(market.ticker))))
    with market_locked(market.ticker):
        thread.start()
        until(waiting_on_locks, engine, "the command waiting on the market")
        engine.process.send_signal(signal.SIGTERM)
        until(lambda: not port_open(engine.port), engine, "the engine to stop listening")
    thread.join(60)
    assert engine.process.wait(timeout=60) == 0
    assert Order.objects.get(pk=outcome["placed"].pk).status == Order.Status.RESTING
    assert "engine stopped" in engine.log_path.read_text()


def test_a_database_outage_in_the_engine_reaches_the_caller_as_one(tmp_path, db):
    """A command the engine cannot run for want of its database raises the same OperationalError in the
    caller as it would in-process (which REST answers 503), and the engine stays up."""
    outage = Engine(tmp_path, DATABASE_URL=f"postgres://nobody:nothing@127.0.0.1:{free_port()}/gone",
                    DB_POOL_TIMEOUT="1")
    outage.start()
    remote = RemoteEngine(outage.url, secret=SECRET)
    try:
        with pytest.raises(OperationalError):
            remote.execute("order_cancel", user_id=1, order_id="0")
        assert isinstance(remote.execute("ping"), int)
    finally:
        remote.close()
        outage.stop()
