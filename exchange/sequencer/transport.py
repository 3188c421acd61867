"""The engine over TCP: `EngineServer` runs commands for other processes; `RemoteEngine` submits them.

Frames are `exchange.sequencer.frames`. A request is `(request_id, op, body)`, op `one` with
`(name, kwargs)` or `many` with a list of them; a reply is `(request_id, status, value)` with status
`ok`, `error` (an `ExchangeError`) or `raise` (any other exception the command raised, such as a
database outage). Commands on one connection run concurrently, so replies may come back out of order.
"""

import asyncio
import itertools
import logging
import pickle
import secrets
import socket
import threading
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

from exchange.sequencer.frames import (
    HELLO,
    LENGTH,
    MAC_SIZE,
    MAX_FRAME,
    NONCE_SIZE,
    Channel,
    FrameRefused,
    Op,
    Status,
    derive_key,
    dumps,
    read_frame,
)
from exchange.services.errors import ExchangeError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0


class EngineUnavailable(Exception):
    """The engine could not be reached, or went away before it replied. `maybe_applied` says whether the
    command may have been carried out (its reply was lost) or certainly was not (it was never sent)."""

    def __init__(self, message: str, *, maybe_applied: bool) -> None:
        super().__init__(message)
        self.maybe_applied = maybe_applied


def _parse_request(request: Any) -> tuple[int, Op, Any]:
    if not (isinstance(request, tuple) and len(request) == 3 and isinstance(request[0], int)
            and request[1] in set(Op)):
        raise FrameRefused("not a request")
    return request[0], Op(request[1]), request[2]


class EngineServer:
    """Serves the engine's commands on a TCP port; `run_one(name, kwargs)` and `run_many(commands)` carry
    them out (the local sequencer). Each connection runs up to `max_in_flight` commands at once."""

    def __init__(self, *, secret: str, run_one: Callable[..., Awaitable[Any]],
                 run_many: Callable[[list[tuple[str, dict]]], Awaitable[list]], host: str = "127.0.0.1",
                 port: int = 0, max_frame: int = MAX_FRAME, max_in_flight: int = 256) -> None:
        self.key, self.run_one, self.run_many = derive_key(secret), run_one, run_many
        self.host, self.port, self.max_frame, self.max_in_flight = host, port, max_frame, max_in_flight
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._readers: set[asyncio.Task] = set()
        self._commands: set[asyncio.Task] = set()
        self._stopping = False

    async def start(self) -> tuple[str, int]:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        host, port = self._server.sockets[0].getsockname()[:2]
        self.port = port
        return host, port

    async def close(self, grace: float | None = None) -> None:
        """Stop accepting connections and reading commands; let the commands under way finish and reply
        (for at most `grace` seconds), then drop the connections."""
        self._stopping = True
        self._server.close()
        for task in list(self._readers):
            task.cancel()
        if self._commands:
            await asyncio.wait(set(self._commands), timeout=grace)
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        nonce = secrets.token_bytes(NONCE_SIZE)
        channel = Channel(self.key, nonce, server=True, max_frame=self.max_frame)
        slots = asyncio.Semaphore(self.max_in_flight)
        self._writers.add(writer)
        self._readers.add(asyncio.current_task())
        writer.write(HELLO + nonce)
        try:
            while True:
                request_id, op, body = _parse_request(await read_frame(reader, channel))
                await slots.acquire()
                task = asyncio.create_task(self._command(request_id, op, body, channel, writer, slots))
                self._commands.add(task)
                task.add_done_callback(self._commands.discard)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client hung up; commands under way still finish
        except FrameRefused as error:
            log.warning("engine: refused a frame from %s (%s); closing the connection", peer, error)
        finally:
            self._readers.discard(asyncio.current_task())
            if not self._stopping:  # while stopping, replies still being written need the connection
                self._writers.discard(writer)
                writer.close()

    async def _command(self, request_id: int, op: Op, body: Any, channel: Channel,
                       writer: asyncio.StreamWriter, slots: asyncio.Semaphore) -> None:
        try:
            try:
                if op is Op.ONE:
                    name, kwargs = body
                    reply = (request_id, Status.OK.value, await self.run_one(name, **kwargs))
                else:
                    reply = (request_id, Status.OK.value, await self.run_many(body))
            except ExchangeError as error:
                reply = (request_id, Status.ERROR.value, error)
            except Exception as error:  # a database outage or a bug: the caller raises it
                log.warning("engine: %s %r raised %r", op.value, body, error)
                reply = (request_id, Status.RAISE.value, _portable(error))
            if writer.is_closing():
                return
            try:
                frame = channel.seal(reply)
            except Exception as error:  # a result that cannot travel is a bug; say so instead of hanging
                log.exception("engine: the reply to %s could not be encoded", op.value)
                frame = channel.seal((request_id, Status.RAISE.value, RuntimeError(f"unencodable reply: {error!r}")))
            writer.write(frame)
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            slots.release()


def _portable(error: Exception) -> Exception:
    """`error` if it survives the trip (some exceptions cannot be rebuilt from their pickle), else its text."""
    try:
        pickle.loads(dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def parse_url(url: str) -> tuple[str, int]:
    """`tcp://host:port` -> (host, port)."""
    parsed = urlparse(url)
    if parsed.scheme != "tcp" or not parsed.hostname or not parsed.port:
        raise ValueError(f"ENGINE_URL must look like tcp://host:port, not {url!r}")
    return parsed.hostname, parsed.port


def _unwrap(status: str, value: Any) -> Any:
    if status == Status.OK:
        return value
    raise value


class _Connection:
    """A blocking connection carrying one request at a time (the sync client's pool holds several)."""

    def __init__(self, address: tuple[str, int], key: bytes, max_frame: int, timeout: float) -> None:
        self.sock = socket.create_connection(address, timeout=CONNECT_TIMEOUT_S)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(timeout)
        try:
            hello = self._read(len(HELLO) + NONCE_SIZE)
            if not hello.startswith(HELLO):
                raise ConnectionError("not an engine")
        except OSError:
            self.sock.close()
            raise
        self.channel = Channel(key, hello[len(HELLO):], server=False, max_frame=max_frame)

    def _read(self, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("the engine closed the connection")
            data += chunk
        return bytes(data)

    def idle_and_open(self) -> bool:
        """True unless the engine has closed (or written to) this idle connection since its last use."""
        timeout = self.sock.gettimeout()
        self.sock.setblocking(False)  # a socket with a timeout would wait for data before peeking
        try:
            self.sock.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            return True
        except OSError:
            return False
        finally:
            self.sock.settimeout(timeout)
        return False

    def call(self, frame: bytes) -> tuple:
        self.sock.sendall(frame)
        return self.channel.open(self._read(MAC_SIZE + self.channel.length(self._read(LENGTH.size))))


class _AsyncLink:
    """One connection per event loop, carrying many requests at once, matched to replies by id."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, channel: Channel) -> None:
        self.reader, self.writer, self.channel = reader, writer, channel
        self.pending: dict[int, asyncio.Future] = {}
        self.ids = itertools.count(1)
        self.open = True
        self.task = asyncio.get_running_loop().create_task(self._read_replies())

    async def _read_replies(self) -> None:
        try:
            while True:
                request_id, status, value = await read_frame(self.reader, self.channel)
                future = self.pending.pop(request_id, None)
                if future is not None and not future.done():
                    future.set_result((status, value))
        except (asyncio.IncompleteReadError, ConnectionError, FrameRefused):
            pass
        finally:
            self.open = False
            self.writer.close()
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(EngineUnavailable("the engine went away before it replied",
                                                           maybe_applied=True))
            self.pending.clear()

    async def call(self, op: Op, body: Any, timeout: float) -> Any:
        request_id = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        try:
            self.writer.write(self.channel.seal((request_id, op.value, body)))
            await self.writer.drain()
            status, value = await asyncio.wait_for(future, timeout)
        except (TimeoutError, ConnectionError) as error:
            raise EngineUnavailable(f"no reply from the engine ({error!r})", maybe_applied=True) from error
        finally:
            self.pending.pop(request_id, None)
        return _unwrap(status, value)


class RemoteEngine:
    """Submits commands to an engine process. Sync calls work from any thread (each borrows a pooled
    connection); async calls share one multiplexed connection per event loop. A dropped connection is
    replaced on the next call; a command is never resent, since it might have been carried out."""

    def __init__(self, url: str, *, secret: str, timeout: float = 60.0, max_frame: int = MAX_FRAME,
                 pool_size: int = 8) -> None:
        self.url, self.address = url, parse_url(url)
        self.key, self.timeout, self.max_frame, self.pool_size = derive_key(secret), timeout, max_frame, pool_size
        self._idle: list[_Connection] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._links: dict[asyncio.AbstractEventLoop, _AsyncLink] = {}
        self._connecting: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    def execute(self, name: str, /, **kwargs: Any) -> Any:
        return _unwrap(*self._call(Op.ONE, (name, kwargs)))

    def execute_many(self, commands: list[tuple[str, dict]]) -> list[Any]:
        return _unwrap(*self._call(Op.MANY, list(commands)))

    async def aexecute(self, name: str, /, **kwargs: Any) -> Any:
        link = await self._link()
        return await link.call(Op.ONE, (name, kwargs), self.timeout)

    def close(self) -> None:
        """Close the idle sync connections (async ones end with their event loop)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.sock.close()

    def _unreachable(self, error: BaseException) -> EngineUnavailable:
        return EngineUnavailable(f"cannot reach the engine at {self.url} ({error!r})", maybe_applied=False)

    def _call(self, op: Op, body: Any) -> tuple[str, Any]:
        connection = self._checkout()
        request_id = next(self._ids)
        try:
            frame = connection.channel.seal((request_id, op.value, body))
        except BaseException:  # an unpicklable or oversized command: nothing was sent
            self._checkin(connection)
            raise
        try:
            reply_id, status, value = connection.call(frame)
        except (OSError, FrameRefused) as error:
            connection.sock.close()
            raise EngineUnavailable(f"no reply from the engine ({error!r})", maybe_applied=True) from error
        if reply_id != request_id:
            connection.sock.close()
            raise EngineUnavailable("the engine answered another request", maybe_applied=True)
        self._checkin(connection)
        return status, value

    def _checkout(self) -> _Connection:
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                break
            if connection.idle_and_open():
                return connection
            connection.sock.close()
        try:
            return _Connection(self.address, self.key, self.max_frame, self.timeout)
        except OSError as error:
            raise self._unreachable(error) from error

    def _checkin(self, connection: _Connection) -> None:
        with self._lock:
            if len(self._idle) < self.pool_size:
                self._idle.append(connection)
                return
        connection.sock.close()

    async def _link(self) -> _AsyncLink:
        loop = asyncio.get_running_loop()
        link = self._links.get(loop)
        if link is not None and link.open:
            return link
        with self._lock:
            for stale in [other for other in self._links if other.is_closed()]:
                del self._links[stale]
                self._connecting.pop(stale, None)
            connecting = self._connecting.setdefault(loop, asyncio.Lock())
        async with connecting:
            link = self._links.get(loop)
            if link is None or not link.open:
                link = self._links[loop] = await self._connect()
        return link

    async def _connect(self) -> _AsyncLink:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(*self.address), CONNECT_TIMEOUT_S)
            hello = await asyncio.wait_for(reader.readexactly(len(HELLO) + NONCE_SIZE), self.timeout)
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as error:
            raise self._unreachable(error) from error
        if not hello.startswith(HELLO):
            writer.close()
            raise self._unreachable(ConnectionError("not an engine"))
        return _AsyncLink(reader, writer, Channel(self.key, hello[len(HELLO):], server=False,
                                                  max_frame=self.max_frame))
