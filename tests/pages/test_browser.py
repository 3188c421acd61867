"""The pages in Chromium against a running simulator: live book, order entry in all four directions,
amend, cancel, a trade between two users, portfolio, API keys, operations, reconnection."""

import re
import time

import pytest
from playwright.sync_api import expect

from exchange.engine.units import fp_to_count

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO_MARKETS = {"INXD-23DEC29-B5000", "BTCZ-23DEC31-B50000", "TRUMPWIN-24NOV05", "DUMMY_TEST", "MARKET_MAKER"}


def ladder(page) -> dict[str, dict[int, int]]:
    """The book the page shows: {"yes"|"no": {price in $0.0001: count in hundredths}}."""
    rows = page.evaluate("""() => Object.fromEntries(["yes", "no"].map(side => [side,
        [...document.querySelectorAll(`#book-${side} tbody tr`)].map(tr => [tr.dataset.price,
                                                                            tr.querySelector(".n").textContent])]))""")
    return {side: {int(price): fp_to_count(count) for price, count in levels} for side, levels in rows.items()}


def wait_for_book(page, exchange, ticker: str, timeout: float = 20.0) -> dict:
    """Until the page's ladder, not greyed out as stale, equals the exchange's book read over REST."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        expected = exchange.book(ticker)
        if "stale" not in (page.get_attribute("#book", "class") or "") and ladder(page) == expected:
            return expected
        page.wait_for_timeout(50)
    assert ladder(page) == exchange.book(ticker)


def place(page, action: str, side: str, cents: int, count: int, tif: str = "gtc") -> None:
    """Fill in and send the order ticket."""
    page.select_option("#t-action", action)
    page.select_option("#t-side", side)
    page.fill("#t-price", str(cents))
    page.fill("#t-count", str(count))
    page.select_option("#t-tif", tif)
    page.click("#t-submit")


def counter(page, selector: str) -> int:
    return int(page.inner_text(selector))


def test_markets_grid_lists_open_markets_and_follows_the_market_maker(session_of, artifacts):
    """Every demo market is listed and MARKET_MAKER's last-book-change cell changes live."""
    page = session_of("trader").page
    expect(page.locator("#conn-state")).to_have_text("live")
    tickers = page.locator("#markets tr[data-ticker]").evaluate_all("rows => rows.map(r => r.dataset.ticker)")
    assert set(tickers) == DEMO_MARKETS
    change = page.locator('tr[data-ticker="MARKET_MAKER"] .c-change')
    expect(change).to_contain_text("@")
    before = change.inner_text()
    expect(change).not_to_have_text(before)
    page.screenshot(path=artifacts / "markets.png", full_page=True)

    page.fill("#search", "BTCZ")
    page.click(".filters button[type=submit]")
    expect(page.locator("#markets tr[data-ticker]")).to_have_count(1)
    expect(page.locator("#markets tr[data-ticker]")).to_have_attribute("data-ticker", "BTCZ-23DEC31-B50000")


def test_market_ladder_is_the_exchanges_book_even_after_a_sequence_gap(session_of, exchange, artifacts):
    """The server drops one delta per connection here: the page notices the gap, resubscribes for a
    fresh snapshot, and its ladder converges on the book REST reports; each level shows its last change."""
    page = session_of("trader").page
    page.goto("/markets/MARKET_MAKER")
    expect(page.locator("#count-resyncs")).not_to_have_text("0")
    wait_for_book(page, exchange, "MARKET_MAKER")
    assert counter(page, "#count-snapshots") >= 2
    expect(page.locator("#book-yes tbody tr .age").first).to_have_text(re.compile(r"^(ADD|REMOVE|SNAP) \d+s$"))
    deltas = counter(page, "#count-deltas")
    expect(page.locator("#count-deltas")).not_to_have_text(str(deltas))
    page.screenshot(path=artifacts / "market.png", full_page=True)


def test_order_ticket_places_all_four_directions(session_of, exchange):
    """Buy YES, buy NO, sell YES and sell NO each rest where the YES-space book puts them and are
    listed under my orders; the preview prices the order before it is sent."""
    page = session_of("trader").page
    page.goto("/markets/TRUMPWIN-24NOV05")
    expect(page.locator("#my-orders")).to_be_visible()
    page.fill("#t-price", "30")
    page.fill("#t-count", "10")
    expect(page.locator("#preview-cost")).to_have_text("$3.00")
    expect(page.locator("#preview-fee")).to_have_text("$0.15")  # ceil(0.07 x 10 x 0.30 x 0.70)
    expect(page.locator("#preview-payout")).to_have_text("$10.00")
    orders = [("buy", "yes", 30, "yes", 3000), ("buy", "no", 25, "no", 2500),
              ("sell", "yes", 80, "no", 2000), ("sell", "no", 90, "yes", 1000)]
    for n, (action, side, cents, book_side, price) in enumerate(orders, start=1):
        place(page, action, side, cents, 1)
        expect(page.locator("#ticket-result .order-result")).to_contain_text("Placed")
        expect(page.locator(f'#book-{book_side} tr[data-price="{price}"] .n')).to_have_text("1")
        expect(page.locator("#my-orders tr[data-order-id]")).to_have_count(n)
    wait_for_book(page, exchange, "TRUMPWIN-24NOV05")


def test_order_ticket_time_in_force_choices(session_of):
    """Good-till-time asks for an expiry and rests; IOC that cannot cross is canceled; FOK that cannot
    fill is refused with Kalshi's code."""
    page = session_of("trader").page
    page.goto("/markets/DUMMY_TEST")
    expect(page.locator("#t-expiry")).to_be_hidden()
    page.select_option("#t-tif", "gtt")
    expect(page.locator("#t-expiry")).to_be_visible()
    place(page, "buy", "yes", 12, 1, tif="gtt")
    expect(page.locator("#ticket-result .order-result")).to_contain_text("1 of 1 left, resting")
    place(page, "buy", "yes", 50, 1, tif="ioc")
    expect(page.locator("#ticket-result .order-result")).to_contain_text("canceled")
    place(page, "buy", "yes", 50, 1, tif="fok")
    expect(page.locator("#refusal")).to_have_attribute("data-code", "fill_or_kill_insufficient_resting_volume")
    page.locator("#my-orders button.cancel").click()
    expect(page.locator("#my-orders tr[data-order-id]")).to_have_count(0)


def test_resting_order_is_amended_then_canceled(session_of, exchange):
    """Amend moves my order to its new price and size in the ladder; cancel takes it out."""
    page = session_of("trader").page
    page.goto("/markets/DUMMY_TEST")
    place(page, "buy", "yes", 20, 2)
    expect(page.locator('#book-yes tr[data-price="2000"] .n')).to_have_text("2")
    row = page.locator("#my-orders tr[data-order-id]")
    expect(row).to_have_count(1)
    row.locator("button.amend").click()
    page.fill("#amend-price", "22")
    page.fill("#amend-count", "3")
    page.click("#amend-submit")
    expect(page.locator("#amend-panel .order-result")).to_contain_text("Amended")
    expect(page.locator('#book-yes tr[data-price="2200"] .n')).to_have_text("3")
    expect(page.locator('#book-yes tr[data-price="2000"]')).to_have_count(0)
    expect(page.locator("#my-orders td.num").first).to_have_text("22¢")
    page.locator("#my-orders button.cancel").click()
    expect(page.locator("#ticket-result .order-result")).to_contain_text("Canceled")
    expect(page.locator('#book-yes tr[data-price="2200"]')).to_have_count(0)
    expect(page.locator("#my-orders tr[data-order-id]")).to_have_count(0)
    assert exchange.book("DUMMY_TEST") == {"yes": {}, "no": {}}


def test_a_trade_between_two_users_reaches_both_tapes_and_the_portfolio(session_of, artifacts):
    """trader sells YES, trader2 buys it: both pages print the trade, and trader2's portfolio holds it."""
    seller = session_of("trader").page
    buyer = session_of("trader2").page
    for page in (seller, buyer):
        page.goto("/markets/BTCZ-23DEC31-B50000")
        expect(page.locator("#conn-state")).to_have_text("live")
    place(seller, "sell", "yes", 60, 3)
    expect(buyer.locator('#book-no tr[data-price="4000"] .n')).to_have_text("3")
    place(buyer, "buy", "yes", 60, 3)
    expect(buyer.locator("#ticket-result .order-result")).to_contain_text("executed")
    for page in (seller, buyer):
        expect(page.locator("#tape tbody tr").first).to_contain_text("60¢")
        expect(page.locator("#tape tbody tr").first).to_contain_text("3")
    expect(buyer.locator("#my-position")).to_contain_text("3 YES")
    expect(seller.locator("#my-fills tbody tr").first).to_contain_text("sell YES")
    buyer.goto("/portfolio/")
    position = buyer.locator('#positions tr[data-ticker="BTCZ-23DEC31-B50000"]')
    expect(position).to_contain_text("3 YES")
    expect(position).to_contain_text("$1.80")  # the cost of 3 at 60¢
    expect(buyer.locator("#fills tbody tr").first).to_contain_text("BTCZ-23DEC31-B50000")
    buyer.screenshot(path=artifacts / "portfolio.png", full_page=True)


def test_portfolio_cancel_all_cancels_every_resting_order(session_of):
    """Cancel-all on the portfolio leaves no resting order, and the list follows without a reload."""
    page = session_of("trader").page
    page.goto("/markets/TRUMPWIN-24NOV05")
    place(page, "buy", "yes", 5, 1)
    expect(page.locator("#ticket-result .order-result")).to_contain_text("Placed")
    page.goto("/portfolio/")
    expect(page.locator("#resting tr[data-order-id]").first).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#cancel-all")
    expect(page.locator("#cancel-all-result")).to_contain_text("Canceled")
    expect(page.locator("#resting tr[data-order-id]")).to_have_count(0)


def test_api_key_is_created_shown_once_and_revoked(session_of, artifacts):
    """A read-only key: its private key is shown with a download link, listed with its scope, then revoked."""
    page = session_of("trader").page
    page.goto("/keys/")
    page.fill("#key-name", "page bot")
    page.select_option("#key-scope", "read")
    page.click("#create-key")
    expect(page.locator("#private-key")).to_contain_text("-----BEGIN RSA PRIVATE KEY-----")
    key_id = page.inner_text("#new-key-id")
    expect(page.locator("#download-key")).to_have_attribute("download", f"{key_id}.pem")
    row = page.locator(f'#keys tr[data-key-id="{key_id}"]')
    expect(row).to_contain_text("read")
    expect(row).not_to_contain_text("write")
    page.screenshot(path=artifacts / "api_keys.png", full_page=True)
    row.locator("button", has_text="Revoke").click()
    expect(page.locator(f'#keys tr[data-key-id="{key_id}"]')).to_have_count(0)
    expect(page.locator("#private-key")).to_have_count(0)


def test_operations_is_staff_only_pauses_trading_and_counts_live(session_of, artifacts):
    """A trader is refused; the admin sees the counters move, pauses trading (the ticket is then
    refused with Kalshi's code), resumes it, and settles a market with the fast clock, which the
    trader's markets grid shows as it happens."""
    trader = session_of("trader").page
    assert trader.request.get("/operations/").status == 403
    admin = session_of("admin").page
    admin.goto("/operations/")
    events = counter(admin, "#c-events")
    expect(admin.locator("#c-events")).not_to_have_text(str(events))
    admin.screenshot(path=artifacts / "operations.png", full_page=True)

    admin.click("#pause-trading")
    expect(admin.locator("#trading-state")).to_have_text("paused")
    trader.goto("/markets/TRUMPWIN-24NOV05")
    place(trader, "buy", "yes", 5, 1)
    expect(trader.locator("#refusal")).to_have_attribute("data-code", "exchange_unavailable")
    expect(trader.locator("#refusal")).to_have_attribute("data-status", "503")
    admin.click("#resume-trading")
    expect(admin.locator("#trading-state")).to_have_text("active")
    place(trader, "buy", "yes", 5, 1)
    expect(trader.locator("#ticket-result .order-result")).to_contain_text("Placed")

    trader.goto("/")
    expect(trader.locator("#conn-state")).to_have_text("live")
    row = admin.locator('#lifecycle tr[data-ticker="INXD-23DEC29-B5000"]')
    row.locator("select[name=result]").select_option("no")
    row.locator("button[value=fast]").click()
    expect(admin.locator('#lifecycle tr[data-ticker="INXD-23DEC29-B5000"]')).to_have_count(0)
    expect(trader.locator('#markets tr[data-ticker="INXD-23DEC29-B5000"] .c-status')).to_have_text("finalized")
    trader.goto("/?status=finalized")
    expect(trader.locator('#markets tr[data-ticker="INXD-23DEC29-B5000"]')).to_have_count(1)


def test_market_page_reconnects_after_a_server_restart(session_of, exchange):
    """The connection state shows the outage; after the restart the page reconnects, takes a new
    snapshot and shows the exchange's book again."""
    session = session_of("trader")
    page = session.page
    page.goto("/markets/MARKET_MAKER")
    wait_for_book(page, exchange, "MARKET_MAKER")
    snapshots = counter(page, "#count-snapshots")
    session.server_down = True  # the browser reports each refused connection attempt
    exchange.stop()
    expect(page.locator("#conn-state")).not_to_have_text("live")
    expect(page.locator("#book")).to_have_class("panel stale")
    exchange.start()
    expect(page.locator("#conn-state")).to_have_text("live")
    wait_for_book(page, exchange, "MARKET_MAKER")
    assert counter(page, "#count-snapshots") > snapshots


@pytest.mark.parametrize("path", ["/", "/markets/MARKET_MAKER", "/portfolio/", "/keys/"])
def test_pages_fit_a_phone_screen(session_of, artifacts, path):
    """At phone width the page itself never scrolls sideways (wide tables scroll inside their panel)."""
    page = session_of("trader", viewport={"width": 390, "height": 844}).page
    page.goto(path)
    expect(page.locator("nav.top")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    name = path.strip("/").replace("/", "_") or "markets"
    page.screenshot(path=artifacts / f"phone_{name}.png", full_page=True)
