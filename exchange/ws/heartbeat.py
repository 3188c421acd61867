"""Server pings as Kalshi sends them: a ping frame with the text payload `heartbeat` (every 10 s; the
interval is daphne's --ping-interval).

daphne pings through autobahn, whose auto-ping payload is a binary timestamp; clients that check the
payload (or log it) see Kalshi's word instead once `install()` has run. A pong echoing `heartbeat`
answers the ping, and no pong within daphne's ping timeout still closes the connection.
"""

from daphne.ws_protocol import WebSocketProtocol

HEARTBEAT = b"heartbeat"


def _send_heartbeat(self: WebSocketProtocol) -> None:
    self.autoPingPendingCall = None
    self.sendPing(HEARTBEAT)
    if self.autoPingTimeout and self.autoPingTimeoutCall is None:
        self.autoPingTimeoutCall = self.factory._batched_timer.call_later(self.autoPingTimeout,
                                                                           self.onAutoPingTimeout)


def _on_pong(self: WebSocketProtocol, payload: bytes) -> None:
    if payload == HEARTBEAT and self.autoPingTimeoutCall is not None:
        self.autoPingTimeoutCall.cancel()
        self.autoPingTimeoutCall = None


def install() -> None:
    """Make every daphne WebSocket connection in this process ping with `heartbeat`."""
    WebSocketProtocol._sendAutoPing = _send_heartbeat
    WebSocketProtocol.onPong = _on_pong
