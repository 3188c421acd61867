"""Helpers for WebSocket feed tests: signed upgrade headers, in-process and real-server clients, a book
rebuilt from snapshot + deltas, the exchange's book aggregated from resting orders, and Kalshi's
asyncapi message schemas."""

import json
import time
from collections import defaultdict
from functools import cache
from pathlib import Path

from django.db.models import Sum

from exchange.engine.units import ONE_DOLLAR, dollars_to_units, fp_to_count
from exchange.models import Order
from exchange.signing import sign_rsa_pss

WS_PATH = "/trade-api/ws/v2"
ASYNCAPI_FILES = ("asyncapi.yaml", "asyncapi-2026-03.yaml")  # newest and legacy field sets
KALSHI_SPECS = Path(__file__).resolve().parents[1] / "specs" / "kalshi"  # see its SOURCE.md


def signed_headers(key_id: str, private_pem: str, *, timestamp_ms: int | None = None) -> dict[str, str]:
    ts = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    return {"KALSHI-ACCESS-KEY": str(key_id), "KALSHI-ACCESS-TIMESTAMP": ts,
            "KALSHI-ACCESS-SIGNATURE": sign_rsa_pss(private_pem, f"{ts}GET{WS_PATH}".encode())}


def exchange_book(ticker: str) -> dict[tuple[str, int], int]:
    """{(kalshi side, price units): count} of the resting orders, as the feed reports them."""
    rows = (Order.objects.filter(market__ticker=ticker, status=Order.Status.RESTING)
            .values("book_side", "price").annotate(count=Sum("remaining_count")))
    book = {}
    for row in rows:
        side, price = ("yes", row["price"]) if row["book_side"] == "bid" else ("no", ONE_DOLLAR - row["price"])
        book[(side, price)] = row["count"]
    return book


class BookBuilder:
    """A client's view of one market, kept from `orderbook_snapshot` and `orderbook_delta` frames."""

    def __init__(self) -> None:
        self.levels: dict[tuple[str, int], int] = defaultdict(int)
        self.last_seq: dict[int, int] = {}

    def apply(self, frame: dict) -> None:
        sid, seq = frame["sid"], frame["seq"]
        assert seq == self.last_seq.get(sid, 0) + 1, f"sid {sid}: seq {seq} after {self.last_seq.get(sid)}"
        self.last_seq[sid] = seq
        msg = frame["msg"]
        if frame["type"] == "orderbook_snapshot":
            self.levels.clear()
            for side in ("yes", "no"):
                for price, count in msg[f"{side}_dollars_fp"]:
                    self.levels[(side, dollars_to_units(price))] = fp_to_count(count)
        elif frame["type"] == "orderbook_delta":
            key = (msg["side"], dollars_to_units(msg["price_dollars"]))
            self.levels[key] += fp_to_count(msg["delta_fp"])
            assert self.levels[key] >= 0, f"negative level {key}"
            if not self.levels[key]:
                del self.levels[key]

    def book(self) -> dict[tuple[str, int], int]:
        return {k: v for k, v in self.levels.items() if v}


class FeedClient:
    """A raw `websockets` client running in its own thread, so a test's main thread can place orders
    (Django's ORM refuses to run inside an event loop) while frames are collected here."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        import asyncio
        import json
        import threading

        import websockets

        self._json = json
        self.frames: list[dict] = []
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._next_id = 0
        self._ws = None
        threading.Thread(target=self._loop.run_forever, daemon=True).start()

        async def connect():
            self._ws = await websockets.connect(url, additional_headers=headers or {})
            self._reader = asyncio.ensure_future(self._read())

        asyncio.run_coroutine_threadsafe(connect(), self._loop).result(10)

    async def _read(self) -> None:
        async for raw in self._ws:
            with self._cond:
                self.frames.append(self._json.loads(raw))
                self._cond.notify_all()

    def send(self, cmd: str, **params) -> int:
        import asyncio

        self._next_id += 1
        frame = {"id": self._next_id, "cmd": cmd, **({"params": params} if params else {})}
        asyncio.run_coroutine_threadsafe(self._ws.send(self._json.dumps(frame)), self._loop).result(5)
        return self._next_id

    def wait_for(self, predicate, timeout: float = 10.0) -> list[dict]:
        """Block until `predicate(frames)` is true; returns the frames so far."""
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self.frames), timeout):
                raise AssertionError(f"timed out; last frames: {self.frames[-5:]}")
            return list(self.frames)

    def reply(self, cmd_id: int, timeout: float = 10.0) -> dict:
        frames = self.wait_for(lambda fs: any(f.get("id") == cmd_id for f in fs), timeout)
        return next(f for f in frames if f.get("id") == cmd_id)

    def close(self) -> None:
        import asyncio

        asyncio.run_coroutine_threadsafe(self._ws.close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)

    def __enter__(self) -> "FeedClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def ws_url(live_server_url: str) -> str:
    return live_server_url.replace("http://", "ws://") + WS_PATH


class Communicator:
    """The feed in-process (Channels' WebsocketCommunicator) speaking JSON frames; `headers` as bytes pairs."""

    def __init__(self, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        from channels.testing import WebsocketCommunicator

        from kalshi_site.asgi import application

        self.comm = WebsocketCommunicator(application, WS_PATH, headers=headers or [])
        self.next_id = 0

    async def __aenter__(self) -> "Communicator":
        connected, _ = await self.comm.connect()
        assert connected
        return self

    async def __aexit__(self, *exc) -> None:
        await self.comm.disconnect()

    async def send(self, cmd: str, **params) -> int:
        self.next_id += 1
        frame = {"id": self.next_id, "cmd": cmd}
        if params:
            frame["params"] = params
        await self.comm.send_to(text_data=json.dumps(frame))
        return self.next_id

    async def recv(self, timeout: float = 3) -> dict:
        return json.loads(await self.comm.receive_from(timeout))

    async def quiet(self) -> None:
        assert await self.comm.receive_nothing(0.3)

    async def drain(self, wait: float = 0.3) -> list[dict]:
        """Every frame that arrives until the connection is quiet for `wait` seconds."""
        frames = []
        while not await self.comm.receive_nothing(wait):
            frames.append(await self.recv())
        return frames


def header_pairs(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    """`signed_headers` in the form WebsocketCommunicator takes."""
    return [(k.lower().encode(), v.encode()) for k, v in headers.items()]


@cache
def _asyncapi(name: str) -> dict:
    import yaml

    return yaml.safe_load((KALSHI_SPECS / name).read_text())


def _resolve(node, schemas: dict):
    """The schema with every local `$ref` inlined (the component schemas are not recursive)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = schemas[node["$ref"].rsplit("/", 1)[-1]]
            return _resolve({**target, **{k: v for k, v in node.items() if k != "$ref"}}, schemas)
        return {k: _resolve(v, schemas) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, schemas) for v in node]
    return node


def asyncapi_errors(frame: dict, schema_name: str) -> list[str]:
    """Where `frame` breaks `schema_name` (e.g. "fillPayload") in either asyncapi file; [] when it fits both."""
    import jsonschema

    errors = []
    for name in ASYNCAPI_FILES:
        schemas = _asyncapi(name)["components"]["schemas"]
        schema = _resolve(schemas[schema_name], schemas)
        for error in jsonschema.Draft202012Validator(schema).iter_errors(frame):
            errors.append(f"{name}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
    return errors
