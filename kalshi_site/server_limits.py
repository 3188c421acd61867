"""Requests past daphne's limits get an answer, not a dropped socket, so a client can tell a refused
request from a network fault.

HTTP (Twisted): headers adding up to too much get Twisted's 400, but a single request line or header
line longer than its line limit (16 KiB) only closed the connection; such a line now gets 414 (request
line) or 431 (a header) in the API's error shape, then the connection closes as before.
WebSocket (Autobahn): a message past daphne's size limit (1 MiB) dropped the TCP connection; it now
gets a close frame with code 1009 and the reason.
"""

import json

from daphne.ws_protocol import WebSocketFactory
from twisted.web import http

_ANSWERS = {
    414: ("URI Too Long", "uri_too_long", "the request line is longer than the server accepts"),
    431: ("Request Header Fields Too Large", "request_header_fields_too_large",
          "a request header is longer than the server accepts"),
}


def _answer(status: int) -> bytes:
    from exchange.api.errors import error_body  # after Django's setup, which asgi.py does first

    reason, code, message = _ANSWERS[status]
    body = json.dumps({"error": error_body(code, message)}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n")
    return head.encode() + body


def _line_length_exceeded(channel: http.HTTPChannel, line: bytes) -> None:
    # The name-mangled flag is true until the request line has been read.
    status = 414 if getattr(channel, "_HTTPChannel__first_line", 0) else 431
    channel.transport.write(_answer(status))
    channel.loseConnection()


_daphne_ws_factory_init = WebSocketFactory.__init__


def _ws_factory_init(self: WebSocketFactory, *args, **kwargs) -> None:
    _daphne_ws_factory_init(self, *args, **kwargs)
    self.setProtocolOptions(failByDrop=False)  # fail a connection with a close frame that says why


def install() -> None:
    """Answer over-long HTTP lines and close over-size WebSocket messages with a reason (idempotent)."""
    http.HTTPChannel.lineLengthExceeded = _line_length_exceeded
    WebSocketFactory.__init__ = _ws_factory_init
