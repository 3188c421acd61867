"""WebSocket fan-out benchmark on the Redis channel layer.

    REDIS_URL=redis://... DATABASE_URL=postgres://... .venv/bin/python -m bench.ws_fanout

Both variables are required (the database is migrated if needed and gets a throwaway market and user).
Starts daphne on a free port, then for 1, 10 and 100 `orderbook_delta` subscribers to one market places
resting orders at a steady rate and reports delivered messages per second and order->delta latency
(client receive time minus the event's exchange timestamp) p50/p99, beside the same run's raw
`group_send` to the same number of plain channel-layer consumers (one copy per subscriber; the feed
itself joins each group once per process, so it is not bound by that figure). Delivered msg/s cannot
exceed orders/s times subscribers: the orders are placed in this process, as are the subscribers'
reads. Takes about a minute.
"""

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATE_PER_S = 50
SECONDS = 3.0
SUBSCRIBERS = (1, 10, 100)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _setup():
    for name in ("REDIS_URL", "DATABASE_URL"):
        if not os.environ.get(name):
            sys.exit(f"{name} is required (see the module docstring)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kalshi_site.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _market_and_user():
    from django.contrib.auth import get_user_model

    from exchange.engine.units import ONE_DOLLAR
    from tests.support.factories import make_market

    market = make_market(f"BENCH-{uuid.uuid4().hex[:8].upper()}")
    user = get_user_model().objects.create_user(username=f"bench-{uuid.uuid4().hex[:8]}")
    from exchange.services import account_fund

    account_fund(user=user, amount=1_000_000 * ONE_DOLLAR)
    return market.ticker, user


def _place_steadily(ticker: str, user, stop_after: float) -> int:
    """Resting YES bids at a steady rate; returns how many were placed."""
    from exchange import services
    from exchange.engine.units import price_from_cents

    placed, start = 0, time.monotonic()
    while time.monotonic() - start < stop_after:
        services.order_create(user=user, request=services.OrderRequest(
            ticker=ticker, side="yes", action="buy", yes_price=price_from_cents(1 + placed % 40), count=100))
        placed += 1
        delay = start + placed / RATE_PER_S - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    from exchange.fanout import wait_idle

    wait_idle(10)
    return placed


async def _feed_round(url: str, ticker: str, user, subscribers: int) -> tuple[float, float, list[float]]:
    import websockets

    clients = [await websockets.connect(url, max_queue=None) for _ in range(subscribers)]
    for ws in clients:
        await ws.send(json.dumps({"id": 1, "cmd": "subscribe",
                                  "params": {"channels": ["orderbook_delta"], "market_ticker": ticker}}))
    for ws in clients:  # subscribed + snapshot
        await ws.recv()
        await ws.recv()
    latencies: list[float] = []
    counts = [0]

    async def read(ws):
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame["type"] == "orderbook_delta":
                    latencies.append(time.time() * 1000 - frame["msg"]["ts_ms"])
                    counts[0] += 1
        except websockets.ConnectionClosed:
            pass

    readers = [asyncio.ensure_future(read(ws)) for ws in clients]
    start = time.monotonic()
    placed = await asyncio.to_thread(_place_steadily, ticker, user, SECONDS)
    deadline = time.monotonic() + 10
    while counts[0] < placed * subscribers and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    elapsed = time.monotonic() - start
    for ws in clients:
        await ws.close()
    await asyncio.gather(*readers)
    return placed / SECONDS, counts[0] / elapsed, latencies


async def _ceiling(subscribers: int, messages: int = 500) -> float:
    """Delivered messages/s of raw group_send to `subscribers` plain channel-layer consumers."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    group = f"bench.{uuid.uuid4().hex}"
    names = [await layer.new_channel() for _ in range(subscribers)]
    for name in names:
        await layer.group_add(group, name)
    received = [0]

    async def drain(name):
        for _ in range(messages):
            await layer.receive(name)
            received[0] += 1

    drains = [asyncio.ensure_future(drain(n)) for n in names]
    start = time.monotonic()
    for i in range(messages):
        await layer.group_send(group, {"type": "outbox.batch", "events": [{"id": i}]})
    await asyncio.wait_for(asyncio.gather(*drains), 60)
    elapsed = time.monotonic() - start
    for name in names:
        await layer.group_discard(group, name)
    return received[0] / elapsed


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100)[p - 1] if len(values) > 1 else values[0]


def main() -> None:
    _setup()
    ticker, user = _market_and_user()
    port = _free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    log_path = os.environ.get("TMPDIR", "/tmp") + f"/bench-daphne-{port}.log"
    with open(log_path, "wb") as log:
        daphne = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                                   "kalshi_site.asgi:application"], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit("daphne did not start")
                time.sleep(0.1)
        url = f"ws://127.0.0.1:{port}/trade-api/ws/v2"
        print(f"orders at {RATE_PER_S}/s for {SECONDS:.0f} s per row; one delta per order; Redis channel layer\n")
        print(f"{'subscribers':>11} | {'orders/s':>8} | {'delivered msg/s':>15} | {'latency p50 ms':>14} | "
              f"{'latency p99 ms':>14} | {'raw group_send ceiling msg/s':>28}")
        print("-" * 106)
        for n in SUBSCRIBERS:
            orders, rate, latencies = asyncio.run(_feed_round(url, ticker, user, n))
            ceiling = asyncio.run(_ceiling(n))
            print(f"{n:>11} | {orders:>8.0f} | {rate:>15.0f} | {_pct(latencies, 50):>14.1f} | "
                  f"{_pct(latencies, 99):>14.1f} | {ceiling:>28.0f}")
    finally:
        daphne.terminate()
        daphne.wait(10)


threading.excepthook = lambda args: print(f"thread failed: {args.exc_value!r}", file=sys.stderr)

if __name__ == "__main__":
    main()
