"""One subscription (sid) of a connection: its channel, markets, options and message sequence."""

from dataclasses import dataclass, field


@dataclass
class Subscription:
    sid: int
    channel: str
    markets: set[str] | None  # None: every market
    send_initial_snapshot: bool = False
    skip_ticker_ack: bool = False
    use_yes_price: bool = False
    seq: int = 0
    # orderbook_delta: per market, the book_seq the client's book is at, and changes since its last snapshot.
    book_seq: dict[str, int] = field(default_factory=dict)
    since_snapshot: dict[str, int] = field(default_factory=dict)

    def next_seq(self) -> int:
        """Every message on a sid takes the next seq, starting at 1."""
        self.seq += 1
        return self.seq

    def covers(self, ticker: str | None) -> bool:
        return self.markets is None or ticker in self.markets

    def market_list(self) -> list[str]:
        return sorted(self.markets or ())
