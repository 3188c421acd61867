"""Server pings over a real daphne and a raw TCP WebSocket: Kalshi's `heartbeat` payload."""

import socket
from urllib.parse import urlparse

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.uri import parse_uri

from tests.support.servers import daphne_server
from tests.support.ws_client import WS_PATH

pytestmark = pytest.mark.django_db(transaction=True)


def first_ping(base_url: str) -> bytes:
    """Open a WebSocket to the feed, answer nothing, and return the payload of the first ping it receives."""
    address = urlparse(base_url)
    protocol = ClientProtocol(parse_uri(f"ws://{address.netloc}{WS_PATH}"))
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        protocol.send_request(protocol.connect())
        sock.sendall(b"".join(protocol.data_to_send()))
        while True:
            data = sock.recv(65536)
            assert data, "the server closed the connection before pinging"
            protocol.receive_data(data)
            for event in protocol.events_received():
                if getattr(event, "opcode", None) is Opcode.PING:
                    return event.data


def test_server_pings_carry_heartbeat():
    """The feed's pings carry the text payload `heartbeat` (daphne runs with Kalshi's 10 s interval in
    runsim and docker-compose; this server pings every second so the test need not wait).

    Evidence: "Kalshi sends Ping (0x9) with body 'heartbeat' to elicit Pong from client"
    (https://docs.kalshi.com/websockets/connection-keep-alive); every 10 s per the project's ARCHITECTURE and
    Kalshi's WebSocket connection docs.
    """
    with daphne_server(ping_interval=1) as url:
        assert first_ping(url) == b"heartbeat"
