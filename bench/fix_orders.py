"""FIX order entry: NewOrderSingle -> ExecutionReport(New) round trips on Postgres, next to REST V2.

One KalshiNR session, then four sessions at once (one key and user each), each sending resting limit
orders one at a time and waiting for the New report. Baseline in the same run: the REST V2 endpoint
`POST /trade-api/v2/portfolio/events/orders` (signed, one keep-alive connection per client) served by
daphne against the same database, with one and four clients. Reports rate and p50/p99 latency.

Run: DATABASE_URL=postgres://... .venv/bin/python -m bench.fix_orders   (under three minutes; creates and
drops its own database; the acceptor runs in this process, daphne as a child process)
"""

import http.client
import itertools
import json
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import free_port, fresh_database, funded_users, open_markets, server, table  # noqa: E402

ORDERS_ONE = 300
ORDERS_EACH = 150
TICKER = "BENCH-FIX"


def _prepare(n: int) -> list[tuple[str, str]]:
    from exchange.services.api_keys import api_key_create, generate_rsa_key_pair

    open_markets("BFIX", [TICKER])
    private_pem, public_pem = generate_rsa_key_pair()
    return [(str(api_key_create(user=user, name="bench", public_key_pem=public_pem).key_id), private_pem)
            for user in funded_users("fixbench", n)]


class FixClient:
    """A blocking KalshiNR client: logon, then NewOrderSingle and wait for its report."""

    def __init__(self, port: int, key_id: str, pem: str) -> None:
        from exchange.fix.codec import FrameReader

        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.key_id, self.pem, self.seq, self.reader, self.inbox = key_id, pem, 1, FrameReader(), []
        self._logon()

    def _send(self, msg_type: str, body: list[tuple[int, str]]) -> None:
        from exchange.fix.codec import encode, sending_time

        header = [(49, self.key_id), (56, "KalshiNR"), (34, str(self.seq)), (52, sending_time())]
        self.sock.sendall(encode(msg_type, header, body))
        self.seq += 1

    def _logon(self) -> None:
        from exchange.fix.codec import encode, sending_time
        from exchange.signing import sign_rsa_pss

        when = sending_time()
        signature = sign_rsa_pss(self.pem, "\x01".join([when, "A", "1", self.key_id, "KalshiNR"]).encode())
        header = [(49, self.key_id), (56, "KalshiNR"), (34, "1"), (52, when)]
        body = [(98, "0"), (108, "30"), (95, str(len(signature))), (96, signature), (141, "Y"), (1137, "9")]
        self.sock.sendall(encode("A", header, body))
        self.seq = 2
        assert self._next("A", "5").msg_type == "A", "logon refused"

    def _next(self, *types: str):
        while True:
            while not self.inbox:
                self.reader.feed(self.sock.recv(65536))
                self.inbox += self.reader.messages()
            message = self.inbox.pop(0)
            if message.msg_type in types:
                return message

    def order(self, n: int) -> float:
        started = time.perf_counter()
        self._send("D", [(11, f"f-{n}"), (38, "1"), (40, "2"), (44, str(1 + n % 40)),
                         (54, "1"), (55, TICKER), (59, "1")])
        report = self._next("8")
        assert report.get(150) == "0", report.pairs
        return time.perf_counter() - started


class RestClient:
    def __init__(self, port: int, key_id: str, pem: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        # http.client sends headers and body in two writes; without TCP_NODELAY the body waits for the
        # server's delayed ACK (~40 ms), which would measure the client, not the exchange.
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.key_id, self.pem = key_id, pem

    def order(self, n: int) -> float:
        from exchange.signing import sign_rsa_pss

        path = "/trade-api/v2/portfolio/events/orders"
        started = time.perf_counter()
        ts = str(int(time.time() * 1000))
        body = json.dumps({"ticker": TICKER, "side": "bid", "price": f"0.{1 + n % 40:02d}", "count": "1.00",
                           "client_order_id": f"r-{n}"})
        self.conn.request("POST", path, body, {
            "Content-Type": "application/json", "KALSHI-ACCESS-KEY": self.key_id, "KALSHI-ACCESS-TIMESTAMP": ts,
            "KALSHI-ACCESS-SIGNATURE": sign_rsa_pss(self.pem, f"{ts}POST{path}".encode())})
        response = self.conn.getresponse()
        data = response.read()
        assert response.status == 201, (response.status, data[:300])
        return time.perf_counter() - started


_numbers = itertools.count()


def _run(clients, count: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()

    def work(client):
        mine = [client.order(next(_numbers)) for _ in range(count)]
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, latencies


def _row(name: str, elapsed: float, latencies: list[float]) -> list:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return [name, len(latencies), f"{len(latencies) / elapsed:.0f}", f"{statistics.median(ordered) * 1000:.1f}",
            f"{p99 * 1000:.1f}"]


def main() -> None:
    with fresh_database("bench_fix_orders"):
        from exchange.fix.acceptor import AcceptorConfig, run_forever
        from exchange.fix.session import Target

        keys = _prepare(8)
        stop, started, holder = threading.Event(), threading.Event(), {}
        config = AcceptorConfig(ports={Target.NR: 0})
        thread = threading.Thread(target=run_forever, args=(config, stop, started, holder), daemon=True)
        thread.start()
        started.wait(10)
        port = holder["acceptor"].ports[Target.NR]
        http_port = free_port()
        rows = []
        try:
            with server(["-m", "daphne", "-b", "127.0.0.1", "-p", str(http_port), "kalshi_site.asgi:application"],
                        http_port, "daphne"):
                rows.append(_row("FIX, 1 session", *_run([FixClient(port, *keys[0])], ORDERS_ONE)))
                rows.append(_row("FIX, 4 sessions", *_run([FixClient(port, *k) for k in keys[1:5]], ORDERS_EACH)))
                rest = [RestClient(http_port, *k) for k in keys[4:8]]
                rows.append(_row("REST V2, 1 client", *_run(rest[:1], ORDERS_EACH)))
                rows.append(_row("REST V2, 4 clients", *_run(rest, ORDERS_EACH // 2)))
        finally:
            stop.set()
            thread.join(15)
        print(table("NewOrderSingle -> ExecutionReport(New) vs REST V2 create (resting orders, one market)",
                    ["path", "orders", "orders/s", "p50 ms", "p99 ms"], rows))


if __name__ == "__main__":
    main()
