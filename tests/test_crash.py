"""Crashes and outages under load, against real processes on PostgreSQL (marked `crash`; scripts/test runs
them with the rest): kill -9 of daphne and of runfix during a multi-process REST + FIX order storm, and
a database that goes away under daphne. Afterwards every acknowledged order is in the tables and every
invariant holds (tests.support.invariants)."""

import contextlib
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings

from exchange.models import Order
from tests.fix.keys import fix_key
from tests.support.factories import make_market, make_user
from tests.support.invariants import assert_invariants, total_money
from tests.support.servers import ROOT, child_process, free_port, port_open, test_database_env, wait_until
from tests.support.signed_client import post_v2_order

pytestmark = [pytest.mark.crash, pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TICKERS = ["CRASH-A", "CRASH-B"]
ORDERS_PER_CLIENT = 5_000  # an upper bound: the stop file ends the storm


class Restartable:
    """A server process that can be killed with SIGKILL and started again on the same port."""

    def __init__(self, args: list[str], port: int, env: dict[str, str], log_dir: Path, name: str) -> None:
        self.args, self.port, self.env, self.log_dir, self.name = args, port, env, log_dir, name
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log_path = self.log_dir / f"{self.name}-{self.starts}.log"
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in kill()
        self.process = subprocess.Popen([sys.executable, *self.args], cwd=ROOT, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        wait_until(lambda: port_open(self.port), self.process, what=f"{self.name} on {self.port}", log_path=log_path)

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no shutdown handlers, no flushing
        self.process.wait()
        self.log.close()


def _acks(paths: list[Path]) -> list[str]:
    return [line for path in paths if path.exists() for line in path.read_text().split("\n") if line]


def test_kill_9_of_daphne_and_runfix_during_an_order_storm(tmp_path: Path):
    """Two REST and two FIX client processes trade two markets; daphne is SIGKILLed and restarted, then
    runfix. No acknowledged order is lost and every invariant holds."""
    for ticker in TICKERS:
        make_market(ticker)
    users = [make_user(f"crash{i}", dollars=100_000) for i in range(4)]
    keys = [fix_key(user) for user in users]
    money = total_money()
    env = test_database_env(FIX_ENABLED="0", RATE_LIMITS_ENABLED="0")
    web_port = free_port()
    fix_ports = {name: free_port() for name in ("nr", "rt", "dc", "pt")}
    web = Restartable(["-m", "daphne", "-b", "127.0.0.1", "-p", str(web_port), "kalshi_site.asgi:application"],
                      web_port, env, tmp_path, "daphne")
    fix_args = ["manage.py", "runfix"] + [arg for name, port in fix_ports.items()
                                          for arg in (f"--{name}-port", str(port))]
    fix = Restartable(fix_args, fix_ports["nr"], env, tmp_path, "runfix")
    web.start()
    fix.start()
    stop = tmp_path / "stop"
    ack_files = [tmp_path / f"acks-{i}" for i in range(4)]
    clients = []
    try:
        for i, (key, pem) in enumerate(keys):
            pem_file = tmp_path / f"key-{i}.pem"
            pem_file.write_text(pem)
            mode, address = ("rest", f"http://127.0.0.1:{web_port}") if i < 2 else ("fix", str(fix_ports["nr"]))
            args = ["-m", "tests.support.storm", mode, address, str(key.key_id), str(pem_file), str(ack_files[i]),
                    str(stop), str(ORDERS_PER_CLIENT), str(i), *TICKERS]
            clients.append(subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env))

        def acked_at_least(n: int) -> bool:
            return len(_acks(ack_files)) >= n

        wait_until(lambda: acked_at_least(40), clients[0], timeout=120, what="the storm to get going")
        web.kill()
        web.start()
        now = len(_acks(ack_files))
        wait_until(lambda: acked_at_least(now + 40), clients[0], timeout=120, what="orders after the daphne restart")
        fix.kill()
        fix.start()
        now = len(_acks(ack_files))
        wait_until(lambda: acked_at_least(now + 40), clients[2], timeout=120, what="orders after the runfix restart")
        stop.touch()
        assert [c.wait(120) for c in clients] == [0] * len(clients)
    finally:
        stop.touch()
        for client in clients:
            if client.poll() is None:
                client.kill()
        for server in (web, fix):
            if server.process is not None and server.process.poll() is None:
                server.kill()

    acked = _acks(ack_files)
    assert len(acked) >= 120
    stored = {str(i) for i in Order.objects.filter(pk__in=acked).values_list("id", flat=True)}
    assert set(acked) <= stored, f"acknowledged orders missing: {sorted(set(acked) - stored)[:5]}"
    assert_invariants(TICKERS, money=money)


class Outage:
    """A TCP proxy in front of PostgreSQL that can cut every connection and refuse new ones, as a
    database restart does to its clients."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.down.set()
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for client, upstream in pairs:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self.cut()
        self.listener.close()


def _post_order(url: str, key, pem: str, ticker: str, n: int) -> tuple[int, dict]:
    return post_v2_order(url, key, pem, ticker, f"outage-{n}", price=f"0.{30 + n % 10:02d}00", timeout=60)


def test_database_outage_is_a_503_in_kalshi_shape_and_nothing_half_applied(tmp_path: Path):
    """While PostgreSQL is unreachable every order request is answered 503 with Kalshi's error body (never
    a 500); once it is back orders are accepted again, and the tables hold only whole orders."""
    market = make_market("OUTAGE-A")
    user = make_user("outage")
    key, pem = fix_key(user)
    money = total_money()
    db = settings.DATABASES["default"]
    proxy = Outage(int(db["PORT"]))
    url_db = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@127.0.0.1:{proxy.port}/{db['NAME']}"
    port = free_port()
    env = test_database_env(FIX_ENABLED="0", RATE_LIMITS_ENABLED="0", DATABASE_URL=url_db, DB_POOL_TIMEOUT="2")
    args = ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "kalshi_site.asgi:application"]
    url = f"http://127.0.0.1:{port}"
    try:
        with child_process(args, env=env, log_path=tmp_path / "daphne.log") as server:
            wait_until(lambda: port_open(port), server, what="daphne")
            answers = [_post_order(url, key, pem, market.ticker, n) for n in range(5)]
            assert [status for status, _ in answers] == [201] * 5
            proxy.cut()
            answers = [_post_order(url, key, pem, market.ticker, n) for n in range(5, 10)]
            assert [status for status, _ in answers] == [503] * 5, answers
            for _, body in answers:
                assert body["error"]["code"] == "service_unavailable" and body["error"]["message"]
            proxy.restore()
            # A pooled connection cut by the outage fails once (503) and is replaced.
            statuses = [_post_order(url, key, pem, market.ticker, n)[0] for n in range(10, 20)]
            assert set(statuses) <= {201, 503} and statuses[-5:] == [201] * 5, statuses
    finally:
        proxy.close()
    assert Order.objects.filter(user=user).count() == 5 + statuses.count(201)
    assert_invariants([market.ticker], money=money)
