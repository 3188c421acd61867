"""Hostile requests on the wire to the real server (daphne): oversized request lines, headers and bodies
get an HTTP error response, never a socket closed without a reply."""

import contextlib
import json
import socket

import pytest
from django.conf import settings

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _exchange(url: str, request: bytes) -> bytes:
    """Send raw bytes and read until the server closes or a complete head (and small body) has arrived."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        # The server may answer and close before reading everything we send.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(request)
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), None)
            if length is not None and len(body) >= length:
                break
    return received


def _status(response: bytes) -> int:
    assert response.startswith(b"HTTP/1.1 "), response[:200]
    return int(response.split(b" ", 2)[1])


@pytest.mark.parametrize("request_bytes", [
    (b"GET /trade-api/v2/markets?" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414),
    (b"GET /trade-api/v2/" + b"m" * 200_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414),
    (b"GET /trade-api/v2/markets HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"h" * 200_000 + b"\r\n\r\n", 431),
    (b"GET /trade-api/v2/markets HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Many: 1\r\n" * 5000 + b"\r\n", 400),
], ids=["query", "path", "header", "many-headers"])
def test_oversized_request_heads_get_an_http_error(live_server_url, request_bytes):
    """Request lines, single headers or header counts past the server's limits are answered (414, 431,
    or Twisted's own 400 for too many headers), not met with a closed socket."""
    request_bytes, status = request_bytes
    assert _status(_exchange(live_server_url, request_bytes)) == status


def test_body_over_the_limit_is_413_in_kalshi_shape(live_server_url):
    """A Content-Length past the limit is refused with 413 JSON before the body is read."""
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    head = (f"POST /trade-api/v2/portfolio/orders HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n").encode()
    response = _exchange(live_server_url, head + b" " * size)
    assert _status(response) == 413
    body = response.partition(b"\r\n\r\n")[2]
    body = body[body.index(b"{"):body.rindex(b"}") + 1]  # within one chunk of a chunked response
    assert json.loads(body)["error"]["code"] == "request_entity_too_large"
