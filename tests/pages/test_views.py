"""The page views through Django's test client: who may see what, CSRF, and that the ticket and the
other forms go through the exchange's own parsers and services."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from exchange.engine.units import price_from_cents
from exchange.models import ApiKey, ExchangeState, Market, Order
from exchange.selectors.operations import FeedHealth, counters, feed_health
from tests.support.factories import make_api_key, make_market, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    user = make_user("ops", dollars=0)
    user.is_staff = True
    user.save()
    return user


def client_of(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_log_in(market):
    """Pages of one's own account redirect to the login page and come back after it."""
    response = Client().get("/portfolio/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/portfolio/"
    assert Client().get("/").status_code == 200  # the markets grid is public
    missing = Client().get("/markets/NOPE")
    assert missing.status_code == 404 and b"market NOPE not found" in missing.content


def test_operations_refuses_traders_and_serves_staff(trader, staff):
    """Staff only: a logged-in trader gets 403, anonymous goes to log in, staff see the page."""
    refused = client_of(trader).get("/operations/")
    assert refused.status_code == 403
    assert b"staff only" in refused.content
    assert Client().get("/operations/").status_code == 302
    response = client_of(staff).get("/operations/")
    assert response.status_code == 200
    assert b"Live counters" in response.content


def test_forms_need_the_csrf_token(trader, market):
    """A post without the CSRF token is refused and places nothing."""
    client = client_of(trader, enforce_csrf_checks=True)
    response = client.post(f"/markets/{market.ticker}/orders", {"action": "buy", "side": "yes", "price": "40",
                                                                 "count": "1"})
    assert response.status_code == 403
    assert not Order.objects.exists()


def test_ticket_places_a_no_order_at_its_yes_space_price(trader, market):
    """Buy NO at 25¢ is an ask at YES 75¢; good-till-time becomes GTC with an expiry; post-only is kept."""
    before = timezone.now()
    response = client_of(trader).post(f"/markets/{market.ticker}/orders", {
        "action": "buy", "side": "no", "price": "25", "count": "3", "time_in_force": "gtt",
        "expires_in_minutes": "30", "post_only": "on"})
    assert response.status_code == 201
    assert response["HX-Trigger"] == "orders-changed"
    order = Order.objects.get()
    assert (order.book_side, order.price, order.initial_count) == ("ask", price_from_cents(75), 300)
    assert order.time_in_force == "good_till_canceled" and order.post_only
    assert before + timedelta(minutes=29) < order.expiration_time <= timezone.now() + timedelta(minutes=30)


@pytest.mark.parametrize(("fields", "code"), [
    ({"price": "abc"}, "invalid_price"),
    ({"price": "100"}, "invalid_price"),
    ({"price": "\u00b2"}, "invalid_price"),  # str.isdigit() says yes, int() says no
    ({"count": "-1"}, "invalid_count"),
    ({"count": ""}, "invalid_count"),
    ({"side": "maybe"}, "invalid_parameters"),
    ({"time_in_force": "forever"}, "invalid_parameters"),
])
def test_ticket_refuses_bad_fields_with_the_rest_apis_codes(trader, market, fields, code):
    """The same parser as REST: the same error codes, a 400 (200 inside an htmx fragment), nothing placed."""
    form = {"action": "buy", "side": "yes", "price": "40", "count": "1", **fields}
    page = client_of(trader).post(f"/markets/{market.ticker}/orders", form)
    fragment = client_of(trader).post(f"/markets/{market.ticker}/orders", form, headers={"HX-Request": "true"})
    assert page.status_code == 400
    assert fragment.status_code == 200
    assert f'data-code="{code}"'.encode() in fragment.content
    assert b'data-status="400"' in fragment.content
    assert not Order.objects.exists()


def test_ticket_preview_prices_the_order_with_kalshis_taker_fee(trader, market):
    """10 YES at 30¢ cost $3.00, and the taker fee ceil(0.07 x 10 x 0.30 x 0.70) = $0.15
    (https://docs.kalshi.com/getting_started/fee_rounding; formula as in
    https://www.research.capitola.xyz/kalshi-fees)."""
    response = client_of(trader).get(f"/markets/{market.ticker}/ticket",
                                     {"action": "buy", "side": "yes", "price": "30", "count": "10"})
    content = response.content.decode()
    assert '<b id="preview-cost">$3.00</b>' in content
    assert '<b id="preview-fee">$0.15</b>' in content
    assert '<b id="preview-payout">$10.00</b>' in content


def test_amend_and_cancel_from_the_page_change_only_my_orders(trader, trader2, market):
    """Amend sets the new price and total; someone else's order is not found, and stays as it was."""
    client = client_of(trader)
    client.post(f"/markets/{market.ticker}/orders", {"action": "buy", "side": "yes", "price": "40", "count": "2"})
    mine = Order.objects.get(user=trader)
    response = client.post(f"/orders/{mine.id}/amend", {"price": "42", "count": "5"})
    assert response.status_code == 200
    mine.refresh_from_db()
    assert (mine.price, mine.initial_count) == (price_from_cents(42), 500)
    response = client_of(trader2).post(f"/orders/{mine.id}/cancel")
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.status == Order.Status.RESTING
    assert client.post(f"/orders/{mine.id}/cancel").status_code == 200
    mine.refresh_from_db()
    assert mine.status == Order.Status.CANCELED


def test_api_keys_page_creates_read_only_keys_and_revokes_only_mine(trader, trader2):
    """The private key is in the one response that creates the key; revoking another user's key does nothing."""
    response = client_of(trader).post("/keys/create", {"name": "bot", "scope": "read"})
    assert b"-----BEGIN RSA PRIVATE KEY-----" in response.content
    key = ApiKey.objects.get(user=trader, name="bot")
    assert key.scopes == ["read"]
    other, _ = make_api_key(trader2)
    assert client_of(trader).post(f"/keys/{other.key_id}/revoke").status_code == 302
    assert ApiKey.objects.filter(pk=other.key_id).exists()
    client_of(trader).post(f"/keys/{key.key_id}/revoke")
    assert not ApiKey.objects.filter(pk=key.key_id).exists()
    refused = client_of(trader).post("/keys/create", {"name": "", "scope": "read"})
    assert refused.status_code == 400 and b'data-code="invalid_parameters"' in refused.content


def test_operations_pauses_trading_and_runs_the_fast_clock(staff, trader):
    """Pause and resume flip the exchange switch; "settle now" closes, determines and settles a market."""
    client = client_of(staff)
    client.post("/operations/trading", {"active": "false"})
    assert ExchangeState.current().trading_active is False
    client.post("/operations/trading", {"active": "true"})
    assert ExchangeState.current().trading_active is True
    market = make_market("OPS-FAST")
    client.post(f"/operations/markets/{market.ticker}", {"action": "fast", "result": "yes"})
    market.refresh_from_db()
    assert (market.status, market.result) == (Market.Status.FINALIZED, "yes")
    refused = client.post(f"/operations/markets/{market.ticker}", {"action": "melt"})
    assert refused.status_code == 400 and b'data-code="invalid_parameters"' in refused.content


def test_feed_health_is_empty_where_relay_and_rebuilder_do_not_run(market):
    """No relay has run and no rebuilder is reachable: their figures are None, not zero."""
    assert feed_health() == FeedHealth(relay_unrelayed=None, relay_oldest_ms=None, drifting_markets=None)
    assert counters().events_total >= 1  # the market's opening is in the outbox


def test_login_and_logout_with_django_auth(trader):
    """The login form signs in with a password; logging out (a POST with the CSRF token) ends the session."""
    client = Client()
    response = client.post("/login/", {"username": "alice", "password": "pw-for-tests", "next": "/portfolio/"})
    assert (response.status_code, response["Location"]) == (302, "/portfolio/")
    assert client.get("/portfolio/").status_code == 200
    assert client.get("/logout/").status_code == 405  # never by a plain link
    assert client.post("/logout/").status_code == 302
    assert client.get("/portfolio/").status_code == 302


def test_markets_grid_shows_each_markets_last_change_and_trade(trader, trader2, market, django_assert_max_num_queries):
    """Server-rendered before the feed takes over; the markets are read in a fixed number of queries."""
    client = client_of(trader)
    client.post(f"/markets/{market.ticker}/orders", {"action": "sell", "side": "yes", "price": "40", "count": "5"})
    client_of(trader2).post(f"/markets/{market.ticker}/orders", {"action": "buy", "side": "yes", "price": "40",
                                                                  "count": "2"})
    for n in range(5):
        make_market(f"GRID-{n}")
    with django_assert_max_num_queries(8):
        content = client.get("/").content.decode()
    row = content[content.index(f'data-ticker="{market.ticker}"'):]
    row = row[:row.index("</tr>")]
    assert "REMOVE 2 NO @ 60¢" in row  # the trade took 2 of the 5 resting as a YES ask (a NO bid at 60¢)
    assert "40¢ × 2" in row
    assert content.count("<tr data-ticker=") == 6
