"""The consistency check compares each rebuilt book with the exchange's at the same book_seq."""

import pytest
from django.core.management import CommandError, call_command

from exchange.models import MarketEvent
from exchange.selectors import orderbook_at_seq
from orderbook.book import Snapshot
from orderbook.check import CheckStatus, check_books, exchange_book_at
from orderbook.rebuilder import ResyncReason
from tests.services.conftest import place
from tests.support.factories import make_market, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def traded(trader, trader2, market):
    """A book that kept changing after the first read: (book_seq then, levels then)."""
    place(trader, market.ticker, "yes", "buy", 40, 10)
    place(trader2, market.ticker, "no", "buy", 55, 3)
    then = orderbook_at_seq(market.ticker)
    place(trader2, market.ticker, "yes", "sell", 40, 4)  # trades against the 40¢ bid
    place(trader, market.ticker, "yes", "buy", 42, 1)
    return then


def test_the_exchange_book_is_taken_back_to_an_earlier_book_seq_exactly(market, traded):
    """Current levels minus the later deltas are the levels as they were."""
    seq, levels = traded
    now_seq, then_levels = exchange_book_at(market.ticker, seq)
    assert now_seq == seq + 2 and then_levels == levels


def test_a_rebuilt_book_behind_the_exchange_but_right_for_its_book_seq_is_ok(market, traded):
    """The exchange moved on; the comparison is at the rebuilt book's book_seq."""
    seq, levels = traded
    [result] = check_books({market.ticker: (seq, levels)})
    assert (result.status, result.rebuilt_seq, result.exchange_seq, result.diff) == (CheckStatus.OK, seq, seq + 2, {})


def test_a_wrong_level_is_drift_and_names_the_level(market, traded):
    """Each differing level with the exchange's count and the rebuilt one."""
    seq, levels = traded
    wrong = {**levels, ("bid", 4000): levels[("bid", 4000)] - 100, ("ask", 9000): 5}
    [result] = check_books({market.ticker: (seq, wrong)})
    assert result.status is CheckStatus.DRIFT
    assert result.diff == {("ask", 9000): (0, 5), ("bid", 4000): (1000, 900)}


def test_missing_unsynced_unknown_and_incomplete_markets_are_reported(market, traded):
    """Every way the two sides can fail to line up has its own status."""
    other = make_market("CHK-B")
    place(make_user("carol"), other.ticker, "yes", "buy", 30, 1)
    seq, levels = traded
    MarketEvent.objects.filter(market=market, kind="book", book_seq=seq + 1).delete()
    results = {r.ticker: r.status for r in check_books({market.ticker: (seq, levels), "GONE": (1, {}),
                                                        "CHK-C": (None, {})})}
    assert results == {market.ticker: CheckStatus.INCOMPLETE, "CHK-B": CheckStatus.MISSING,
                       "GONE": CheckStatus.UNKNOWN, "CHK-C": CheckStatus.UNKNOWN}
    make_market("CHK-C")
    assert {r.ticker: r.status for r in check_books({"CHK-C": (None, {})})}["CHK-C"] is CheckStatus.UNSYNCED


def test_check_orderbooks_passes_on_equal_books_and_fails_on_drift(market, traded, rebuilder, capsys):
    """The command reads this process's rebuilder and fails naming the drifting market."""
    seq, levels = orderbook_at_seq(market.ticker)
    rebuilder.resync(market.ticker, Snapshot(seq, levels, 1), ResyncReason.START)
    call_command("check_orderbooks")
    assert "all 1 markets match" in capsys.readouterr().out
    rebuilder.resync(market.ticker, Snapshot(seq, {("bid", 100): 1}, 1), ResyncReason.START)
    with pytest.raises(CommandError, match=f"1 of 1 markets differ: {market.ticker}"):
        call_command("check_orderbooks")
    assert "bid 100: exchange 0, rebuilt 1" in capsys.readouterr().out


def test_the_drift_page_shows_each_market_to_staff_only(client, admin_user, market, traded, rebuilder):
    """Admins see status and resync counters per market; anyone else is sent to log in."""
    seq, levels = orderbook_at_seq(market.ticker)
    rebuilder.resync(market.ticker, Snapshot(seq, {**levels, ("bid", 100): 1}, 1), ResyncReason.GAP)
    assert client.get("/orderbook/drift/").status_code == 302
    client.force_login(admin_user)
    page = client.get("/orderbook/drift/").content.decode()
    assert f'<tr class="drift" data-ticker="{market.ticker}">' in page
    assert "bid 100: exchange 0, rebuilt 1" in page and "gap" in page
    levels_page = client.get(f"/orderbook/drift/{market.ticker}/").content.decode()
    assert "0.4200" in levels_page and "snapshot" in levels_page


def test_a_rebuilder_url_that_answers_an_error_is_a_command_error(monkeypatch):
    """A URL pointing at a process without a rebuilder (503) is reported, not a traceback."""
    import io
    import urllib.error
    import urllib.request

    def refuse(url, timeout):
        raise urllib.error.HTTPError(url, 503, "Service Unavailable", {}, io.BytesIO(b"{}"))

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    with pytest.raises(CommandError, match="answered 503"):
        call_command("check_orderbooks", "--url", "http://web:8000")
