"""FIX order entry: NewOrderSingle -> ExecutionReport(New) over a real TCP session, 1 and 16 in flight.

One KalshiNR session sends resting limit orders, keeping a window of 1 or 16 unanswered, and times each
order from its send to its New report; the client runs in a process of its own. Baselines measured in the same run:
- commit: one-row durable commits on the same database, one after another (what any durable order pays);
- execute: the same orders submitted straight to the sequencer entry point (`aexecute`) from an asyncio
  loop with the same window and worker threads, no FIX (the exchange's own order path);
- echo: the same client against a bare asyncio server that decodes each frame with the acceptor's codec
  and answers with an ExecutionReport of the same shape (the transport and codec ceiling, no exchange).
Each FIX row prints its ratio to execute and to echo with the same window: x execute near 1 means the
acceptor adds little to the order path and does not serialize a session's orders behind each other.

Run: DATABASE_URL=postgres://... .venv/bin/python -m bench.fix_orders   (about a minute; creates and drops
its own database; the acceptor runs in this process)
"""

import asyncio
import itertools
import multiprocessing
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import fresh_database, funded_users, open_markets, setup_django, table  # noqa: E402

ORDERS = {1: 200, 16: 800}
WORKERS = 8  # the acceptor's default worker threads
COMMITS = 500
TICKER = "BENCH-FIX"
_numbers = itertools.count()


class FixClient:
    """A blocking KalshiNR client that keeps `window` NewOrderSingles unanswered."""

    def __init__(self, port: int, key_id: str = "echo", pem: str | None = None) -> None:
        from exchange.fix.codec import FrameReader

        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.key_id, self.seq, self.reader, self.inbox = key_id, 1, FrameReader(), []
        self._logon(pem)

    def _frame(self, msg_type: str, body: list[tuple[int, str]]) -> bytes:
        from exchange.fix.codec import encode, sending_time

        header = [(49, self.key_id), (56, "KalshiNR"), (34, str(self.seq)), (52, sending_time())]
        self.seq += 1
        return encode(msg_type, header, body)

    def _logon(self, pem: str | None) -> None:
        from exchange.fix.codec import encode, sending_time
        from exchange.signing import sign_rsa_pss

        when = sending_time()
        signature = sign_rsa_pss(pem, "\x01".join([when, "A", "1", self.key_id, "KalshiNR"]).encode()) if pem else "-"
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

    def run(self, count: int, window: int, prefix: str) -> tuple[float, list[float]]:
        """Send `count` orders keeping `window` in flight; (elapsed seconds, each order's latency)."""
        sent: dict[str, float] = {}
        latencies: list[float] = []
        started = time.perf_counter()

        def send_one():
            n = next(_numbers)
            cl_ord_id = f"{prefix}-{n}"
            sent[cl_ord_id] = time.perf_counter()
            self.sock.sendall(self._frame("D", [(11, cl_ord_id), (38, "1"), (40, "2"), (44, str(1 + n % 40)),
                                                (54, "1"), (55, TICKER), (59, "1")]))
        for _ in range(min(window, count)):
            send_one()
        remaining = count - min(window, count)
        while len(latencies) < count:
            report = self._next("8")
            assert report.get(150) == "0", report.pairs
            latencies.append(time.perf_counter() - sent.pop(report.get(11)))
            if remaining:
                send_one()
                remaining -= 1
        return time.perf_counter() - started, latencies


def client_run(port: int, key_id: str, pem: str | None, count: int, window: int,
               prefix: str) -> tuple[float, list[float]]:
    """FixClient.run in a process of its own, as a FIX client is: the server process is measured alone."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_client_process, (port, key_id, pem, count, window, prefix))


def _client_process(port: int, key_id: str, pem: str | None, count: int, window: int,
                    prefix: str) -> tuple[float, list[float]]:
    setup_django()  # the client signs its Logon with the exchange's own signing helpers
    return FixClient(port, key_id, pem).run(count, window, prefix)


def echo_server() -> int:
    """A FIX echo on its own loop and thread: every NewOrderSingle answered with a New report, decoded and
    encoded with the acceptor's codec. Returns its port."""
    from exchange.fix.codec import FrameReader, encode, sending_time

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        frames, seq = FrameReader(), 1
        while data := await reader.read(65536):
            frames.feed(data)
            out = []
            for msg in frames.messages():
                header = [(49, "KalshiNR"), (56, msg.get(49)), (34, str(seq)), (52, sending_time())]
                seq += 1
                if msg.msg_type == "A":
                    out.append(encode("A", header, [(98, "0"), (108, "30"), (1137, "9")]))
                elif msg.msg_type == "D":
                    out.append(encode("8", header, [
                        (37, "00000000-0000-0000-0000-000000000000"), (11, msg.get(11)), (17, f"{seq};0"),
                        (150, "0"), (39, "0"), (54, msg.get(54)), (55, msg.get(55)), (151, msg.get(38)),
                        (14, "0"), (6, "0"), (38, msg.get(38)), (44, msg.get(44)), (60, sending_time()),
                        (2964, "1")]))
            writer.write(b"".join(out))
            await writer.drain()

    ready, holder = threading.Event(), {}

    def main():
        async def start():
            server = await asyncio.start_server(serve, "127.0.0.1", 0)
            holder["port"] = server.sockets[0].getsockname()[1]
            ready.set()
            await server.serve_forever()
        asyncio.run(start())
    threading.Thread(target=main, daemon=True).start()
    ready.wait(10)
    return holder["port"]


def execute_rate(user, count: int, window: int) -> tuple[float, list[float]]:
    """`count` orders through `aexecute` from a fresh loop, `window` at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from exchange import sequencer
    from exchange.engine.units import price_from_cents
    from exchange.services import OrderRequest

    async def main():
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(WORKERS))
        latencies, slots = [], asyncio.Semaphore(window)

        async def one(n: int):
            async with slots:
                t0 = time.perf_counter()
                await sequencer.aexecute("order_create", user_id=user.pk, request=OrderRequest(
                    ticker=TICKER, side="yes", action="buy", yes_price=price_from_cents(1 + n % 40), count=100,
                    client_order_id=f"x-{n}", source="fix"))
                latencies.append(time.perf_counter() - t0)
        started = time.perf_counter()
        await asyncio.gather(*(one(next(_numbers)) for _ in range(count)))
        return time.perf_counter() - started, latencies
    return asyncio.run(main())


def commit_rate(count: int) -> tuple[float, list[float]]:
    """One-row durable commits, one after another, on the benchmark's database."""
    from django.db import connection

    latencies = []
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_commit (id serial PRIMARY KEY, n integer)")
        started = time.perf_counter()
        for n in range(count):
            t0 = time.perf_counter()
            cursor.execute("INSERT INTO bench_commit (n) VALUES (%s)", [n])  # autocommit: one commit each
            latencies.append(time.perf_counter() - t0)
        return time.perf_counter() - started, latencies


def _figures(elapsed: float, latencies: list[float]) -> tuple[float, float, float]:
    ordered = sorted(latencies)
    return (len(ordered) / elapsed, statistics.median(ordered) * 1000,
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000)


def main() -> None:
    with fresh_database("bench_fix_orders"):
        from exchange.fix.acceptor import AcceptorConfig, run_forever
        from exchange.fix.session import Target
        from exchange.services.api_keys import api_key_create, generate_rsa_key_pair

        open_markets("BFIX", [TICKER])
        private_pem, public_pem = generate_rsa_key_pair()
        user = funded_users("fixbench", 1)[0]
        key_id = str(api_key_create(user=user, name="bench", public_key_pem=public_pem).key_id)
        stop, started, holder = threading.Event(), threading.Event(), {}
        config = AcceptorConfig(ports={Target.NR: 0})
        thread = threading.Thread(target=run_forever, args=(config, stop, started, holder), daemon=True)
        thread.start()
        started.wait(10)
        port, echo_port = holder["acceptor"].ports[Target.NR], echo_server()
        rows = []

        def row(name: str, window: int, count: int, figures: tuple, *ratios: str) -> None:
            rows.append([name, window, count, *(f"{v:.1f}" for v in figures), *ratios, *[""] * (2 - len(ratios))])
        try:
            row("commit (baseline)", 1, COMMITS, _figures(*commit_rate(COMMITS)))
            for window in (1, 16):
                count = ORDERS[window]
                execute = _figures(*execute_rate(user, count, window))
                row("execute (baseline)", window, count, execute)
                echo = _figures(*client_run(echo_port, "echo", None, count, window, f"e{window}"))
                row("echo (baseline)", window, count, echo)
                fix = _figures(*client_run(port, key_id, private_pem, count, window, f"f{window}"))
                row("FIX NewOrderSingle", window, count, fix, f"{fix[0] / execute[0]:.2f}", f"{fix[0] / echo[0]:.3f}")
        finally:
            stop.set()
            thread.join(15)
        print(table("NewOrderSingle -> ExecutionReport(New) on one KalshiNR session (resting orders, one market)",
                    ["path", "in flight", "orders", "orders/s", "p50 ms", "p99 ms", "x execute", "x echo"], rows))


if __name__ == "__main__":
    main()
