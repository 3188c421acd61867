"""Oversized request heads get an HTTP answer from daphne's HTTP server (Twisted), not a dropped socket.

Twisted answers a request whose headers add up to too much with a 400, but a single request line or
header line longer than its line limit (16 KiB) only closes the connection, so a client cannot tell
a hostile URL from a network fault. Here such a line gets 414 (request line) or 431 (a header) in the
API's error shape, then the connection closes as before.
"""

import json

from twisted.web import http

_ANSWERS = {
    414: ("URI Too Long", "uri_too_long", "the request line is longer than the server accepts"),
    431: ("Request Header Fields Too Large", "request_header_fields_too_large",
          "a request header is longer than the server accepts"),
}


def _answer(status: int) -> bytes:
    reason, code, message = _ANSWERS[status]
    body = json.dumps({"error": {"code": code, "message": message, "details": "", "service": "exchange"}}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n")
    return head.encode() + body


def _line_length_exceeded(channel: http.HTTPChannel, line: bytes) -> None:
    # The name-mangled flag is true until the request line has been read.
    status = 414 if getattr(channel, "_HTTPChannel__first_line", 0) else 431
    channel.transport.write(_answer(status))
    channel.loseConnection()


def install() -> None:
    """Answer over-long request and header lines (idempotent)."""
    http.HTTPChannel.lineLengthExceeded = _line_length_exceeded
