"""Counters of the WebSocket feed in this process, for the admin pages and the benchmark."""

import threading
import time
from collections import Counter


class FeedMetrics:
    """Messages sent by type, connections open and accepted, since process start (or `reset`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.started = time.monotonic()
            self.sent: Counter[str] = Counter()
            self.connections_open = 0
            self.connections_total = 0
            self.connections_refused = 0
            self.gap_fills = 0

    def message_sent(self, msg_type: str) -> None:
        with self._lock:
            self.sent[msg_type] += 1

    def connected(self) -> None:
        with self._lock:
            self.connections_open += 1
            self.connections_total += 1

    def disconnected(self) -> None:
        with self._lock:
            self.connections_open -= 1

    def refused(self) -> None:
        with self._lock:
            self.connections_refused += 1

    def gap_filled(self, count: int) -> None:
        with self._lock:
            self.gap_fills += count

    def snapshot(self) -> dict:
        with self._lock:
            elapsed = max(time.monotonic() - self.started, 1e-9)
            total = sum(self.sent.values())
            deltas, snapshots = self.sent["orderbook_delta"], self.sent["orderbook_snapshot"]
            return {
                "messages_by_type": dict(self.sent),
                "messages_total": total,
                "messages_per_second": total / elapsed,
                "deltas_per_snapshot": (deltas / snapshots) if snapshots else None,
                "connections_open": self.connections_open,
                "connections_total": self.connections_total,
                "connections_refused": self.connections_refused,
                "gap_events_refilled": self.gap_fills,
                "uptime_seconds": elapsed,
            }


metrics = FeedMetrics()
