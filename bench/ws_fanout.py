"""WebSocket fan-out benchmark on the Redis channel layer.

    REDIS_URL=redis://... DATABASE_URL=postgres://... .venv/bin/python -m bench.ws_fanout

Both variables are required; the benchmark works in a fresh database of its own (scripts/bench ws_fanout).
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
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import free_port, fresh_database, funded_users, open_markets, require_env, server  # noqa: E402

TICKER = "BENCH-WS"
RATE_PER_S = 50
SECONDS = 3.0
SUBSCRIBERS = (1, 10, 100)


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
    require_env("REDIS_URL", "DATABASE_URL")
    with fresh_database("bench_ws_fanout"):
        open_markets("BENCHWS", [TICKER])
        user = funded_users("bench-ws", 1)[0]
        port = free_port()
        daphne = ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "kalshi_site.asgi:application"]
        with server(daphne, port, "daphne"):
            url = f"ws://127.0.0.1:{port}/trade-api/ws/v2"
            print(f"orders at {RATE_PER_S}/s for {SECONDS:.0f} s per row; one delta per order; Redis channel layer\n")
            print(f"{'subscribers':>11} | {'orders/s':>8} | {'delivered msg/s':>15} | {'latency p50 ms':>14} | "
                  f"{'latency p99 ms':>14} | {'raw group_send ceiling msg/s':>28}")
            print("-" * 106)
            for n in SUBSCRIBERS:
                orders, rate, latencies = asyncio.run(_feed_round(url, TICKER, user, n))
                ceiling = asyncio.run(_ceiling(n))
                print(f"{n:>11} | {orders:>8.0f} | {rate:>15.0f} | {_pct(latencies, 50):>14.1f} | "
                      f"{_pct(latencies, 99):>14.1f} | {ceiling:>28.0f}")


threading.excepthook = lambda args: print(f"thread failed: {args.exc_value!r}", file=sys.stderr)

if __name__ == "__main__":
    main()
