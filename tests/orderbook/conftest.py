"""A rebuilder installed as this process's, as `rebuild_orderbooks` and the embedded default do."""

import pytest

from orderbook import runtime
from orderbook.book import Snapshot
from orderbook.rebuilder import Rebuilder, ResyncReason


@pytest.fixture
def rebuilder(monkeypatch) -> Rebuilder:
    rebuilder = Rebuilder()
    monkeypatch.setattr(runtime, "_local", rebuilder)
    return rebuilder


@pytest.fixture
def book_a(rebuilder) -> Rebuilder:
    """MKT-A at book_seq 3: YES bids 45¢ x 10 and 44¢ x 2; a YES ask at 55¢ x 3 (a NO bid at 45¢)."""
    rebuilder.resync("MKT-A", Snapshot(3, {("bid", 4500): 1000, ("bid", 4400): 200, ("ask", 5500): 300},
                                       1_700_000_000_000), ResyncReason.START)
    return rebuilder
