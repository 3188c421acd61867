"""Waking readers in other processes: on PostgreSQL each outbox insert NOTIFYs `exchange_outbox` (a
statement trigger, so writers pay no extra round trip) and an `OutboxListener` turns the
notifications into the same wake-up an in-process commit gives. Polling stays as the fallback.
"""

import logging
import threading

from django.db import connections

from exchange.outbox.reader import on_commit_published

log = logging.getLogger(__name__)
CHANNEL = "exchange_outbox"


class OutboxListener:
    """A thread holding one LISTEN connection; `start()` it with the consumer, `stop()` it after."""

    def __init__(self, using: str = "default") -> None:
        self.using = using
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Start listening; False on a database without notifications (SQLite: one process writes)."""
        if connections[self.using].vendor != "postgresql":
            return False
        params = connections[self.using].get_connection_params()
        self._thread = threading.Thread(target=self._listen, args=(params,), name="outbox-listen", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _listen(self, params: dict) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(**params, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    on_commit_published()  # anything committed while not listening is read now
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            on_commit_published()
            except Exception:  # the database went away: listen again once it is back
                log.warning("outbox listener lost its connection; reconnecting", exc_info=True)
                self._stop.wait(1.0)
