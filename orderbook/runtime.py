"""The rebuilder of this process, if it runs one: `rebuild_orderbooks` and the embedded default start a
`BookFeed` thread and serve its books over REST and WebSocket from the same process."""

import threading

from orderbook.consumer import BookFeed, ConsumerConfig
from orderbook.rebuilder import Rebuilder

_local: Rebuilder | None = None
_feed: BookFeed | None = None


def local_rebuilder() -> Rebuilder | None:
    return _local


def local_feed() -> BookFeed | None:
    return _feed


def run_feed(stop: threading.Event, *, bootstrap: str | None = None) -> None:
    """Rebuild books from the feed in this thread until `stop` is set, serving them to this process."""
    global _local, _feed
    _local = Rebuilder()
    _feed = BookFeed(_local, ConsumerConfig.from_settings(bootstrap))
    _feed.run(stop)


def start_feed(stop: threading.Event, *, bootstrap: str | None = None) -> threading.Thread:
    thread = threading.Thread(target=run_feed, args=(stop,), kwargs={"bootstrap": bootstrap},
                              name="orderbook-feed", daemon=True)
    thread.start()
    return thread
