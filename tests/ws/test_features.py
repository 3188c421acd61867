"""Feed features beyond the core protocol, in-process (WebsocketCommunicator, in-memory layer): periodic
snapshots, the injected seq gap, session auth, ticker initial snapshots, market lifecycle, order groups,
and the private channels' fields checked against Kalshi's asyncapi schemas."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client as HttpClient
from django.utils import timezone

from exchange import services
from exchange.engine.units import count_from_contracts
from exchange.wire_fields import user_uuid
from tests.support.factories import make_api_key, make_market, make_user
from tests.support.market_data import place
from tests.support.ws_client import (
    BookBuilder,
    Communicator,
    asyncapi_errors,
    exchange_book,
    header_pairs,
    signed_headers,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_memory_layer")]

in_thread = database_sync_to_async


def run(coro_fn):
    return async_to_sync(coro_fn)()


@pytest.fixture
def exchange_settings(settings):
    """Set EXCHANGE switches for this test: `exchange_settings(WS_PERIODIC_SNAPSHOT_EVERY=3)`."""
    def apply(**switches):
        settings.EXCHANGE = {**settings.EXCHANGE, **switches}
    return apply


def signed_pairs(user):
    key, pem = make_api_key(user)
    return header_pairs(signed_headers(key.key_id, pem))


def assert_fits(frame, schema_name):
    assert not asyncapi_errors(frame, schema_name), asyncapi_errors(frame, schema_name)


def test_periodic_snapshot_every_n_book_changes(exchange_settings):
    """WS_PERIODIC_SNAPSHOT_EVERY=3: a snapshot follows every third book change on the same sid, seq stays
    consecutive, each snapshot equals the book built so far, and the rebuilt book equals the exchange's."""
    exchange_settings(WS_PERIODIC_SNAPSHOT_EVERY=3)
    make_market("WS-PERIODIC")
    alice, bob = make_user("alice"), make_user("bob")

    async def scenario():
        async with Communicator() as c:
            await c.send("subscribe", channels=["orderbook_delta"], market_ticker="WS-PERIODIC")
            assert (await c.recv())["type"] == "subscribed"
            builder = BookBuilder()
            builder.apply(await c.recv())
            snapshots = 0
            for change in range(1, 8):  # seven resting bids at distinct prices: one level per book change
                await in_thread(place)(alice, "WS-PERIODIC", "yes", "buy", 30 + change, 1)
                delta = await c.recv()
                assert (delta["type"], delta["sid"]) == ("orderbook_delta", 1)
                builder.apply(delta)
                if change % 3 == 0:
                    snap = await c.recv()
                    assert (snap["type"], snap["sid"]) == ("orderbook_snapshot", 1)
                    before = builder.book()
                    builder.apply(snap)
                    assert builder.book() == before
                    snapshots += 1
            assert snapshots == 2
            await c.quiet()
            await in_thread(place)(bob, "WS-PERIODIC", "no", "buy", 35, 3)  # crosses 37, 36, 35 in one change
            for frame in await c.drain():
                builder.apply(frame)
            assert builder.book() == await in_thread(exchange_book)("WS-PERIODIC")
            assert builder.last_seq[1] == 1 + 7 + 2 + 3  # snapshot, deltas, periodic snapshots, cross deltas
    run(scenario)


def test_skip_seq_market_loses_exactly_one_seq(exchange_settings, legacy_api):
    """WS_SKIP_SEQ_MARKET: that market's orderbook sid jumps over exactly one seq; another market's sid does not."""
    exchange_settings(WS_SKIP_SEQ_MARKET="WS-GAP")
    make_market("WS-GAP")
    make_market("WS-NOGAP")
    alice = make_user("alice")

    async def scenario():
        async with Communicator() as c:
            await c.send("subscribe", channels=["orderbook_delta"], market_ticker="WS-GAP")
            await c.send("subscribe", channels=["orderbook_delta"], market_ticker="WS-NOGAP")
            await c.drain()
            for cents in (40, 41, 42, 43):
                await in_thread(place)(alice, "WS-GAP", "yes", "buy", cents, 1)
                await in_thread(place)(alice, "WS-NOGAP", "yes", "buy", cents, 1)
            frames = await c.drain()
            seqs = {sid: [f["seq"] for f in frames if f.get("sid") == sid] for sid in (1, 2)}
            assert seqs[1] == [3, 4, 5]  # seq 2 (the first delta) was never sent
            assert seqs[2] == [2, 3, 4, 5]
            prices = [f["msg"]["price"] for f in frames if f.get("sid") == 1]
            assert prices == [41, 42, 43]
    run(scenario)


def test_logged_in_session_gets_private_channels():
    """A browser's Django session cookie on the upgrade authenticates it: user_orders delivers its orders."""
    make_market("WS-SESSION")
    alice = make_user("alice")
    browser = HttpClient()
    browser.force_login(alice)
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()

    async def scenario():
        async with Communicator(headers=[(b"cookie", cookie)]) as c:
            await c.send("subscribe", channels=["user_orders"])
            assert (await c.recv())["type"] == "subscribed"
            order = await in_thread(place)(alice, "WS-SESSION", "yes", "buy", 45, 2)
            frame = await c.recv()
            assert frame["type"] == "user_order" and frame["msg"]["order_id"] == str(order.id)
            assert frame["msg"]["user_id"] == user_uuid(alice.pk)
        async with Communicator(headers=[(b"cookie", b"sessionid=not-a-session")]) as c:
            await c.send("subscribe", channels=["user_orders"])
            assert (await c.recv())["msg"]["code"] == 9
    run(scenario)


def test_ticker_initial_snapshot(legacy_api):
    """ticker with send_initial_snapshot sends each market's current ticker right after `subscribed`;
    without it nothing arrives until the market changes."""
    make_market("WS-TICK")
    alice, bob = make_user("alice"), make_user("bob")
    place(alice, "WS-TICK", "yes", "buy", 40, 5)
    place(alice, "WS-TICK", "no", "buy", 60, 2)
    place(bob, "WS-TICK", "yes", "buy", 52, 3)
    place(alice, "WS-TICK", "no", "buy", 52, 3)  # a trade of 3 at 52

    async def scenario():
        async with Communicator() as c:
            await c.send("subscribe", channels=["ticker"], market_ticker="WS-TICK", send_initial_snapshot=True)
            assert (await c.recv())["type"] == "subscribed"
            frame = await c.recv()
            assert (frame["type"], frame["sid"], frame["seq"]) == ("ticker", 1, 1)
            msg = frame["msg"]
            assert (msg["price"], msg["yes_bid"], msg["yes_ask"]) == (52, 40, 60)
            assert (msg["price_dollars"], msg["yes_bid_dollars"], msg["yes_ask_dollars"]) == ("0.5200", "0.4000",
                                                                                              "0.6000")
            assert (msg["volume_fp"], msg["last_trade_size_fp"]) == ("3.00", "3.00")
            assert (msg["yes_bid_size_fp"], msg["yes_ask_size_fp"]) == ("5.00", "2.00")
            assert_fits(frame, "tickerPayload")
            await c.quiet()
        async with Communicator() as c:
            await c.send("subscribe", channels=["ticker"], market_ticker="WS-TICK")
            assert (await c.recv())["type"] == "subscribed"
            await c.quiet()
    run(scenario)


def test_market_lifecycle_v2_events():
    """market_lifecycle_v2 reports pause, resume, close-time change, close, determination and settlement
    with the fields each event type carries, for markets opened after subscribing too."""
    make_market("WS-LIFE")
    make_market("WS-LATE", status="initialized")
    close_at = (timezone.now() + timedelta(days=3)).replace(microsecond=0)

    async def scenario():
        async with Communicator() as c:
            await c.send("subscribe", channels=["market_lifecycle_v2"])
            assert (await c.recv())["type"] == "subscribed"
            await in_thread(services.market_pause)(ticker="WS-LIFE")
            await in_thread(services.market_resume)(ticker="WS-LIFE")
            await in_thread(services.market_update_close_time)(ticker="WS-LIFE", close_time=close_at)
            await in_thread(services.market_fast_forward)(ticker="WS-LIFE", result="yes")
            await in_thread(services.market_open)(ticker="WS-LATE")
            frames = await c.drain()
            assert [f["seq"] for f in frames] == list(range(1, len(frames) + 1))
            for frame in frames:
                assert frame["type"] == "market_lifecycle_v2" and frame["sid"] == 1
                assert_fits(frame, "marketLifecycleV2Payload")
            got = [(f["msg"]["market_ticker"], f["msg"]["event_type"]) for f in frames]
            assert got == [("WS-LIFE", "deactivated"), ("WS-LIFE", "activated"), ("WS-LIFE", "close_date_updated"),
                           ("WS-LIFE", "close_date_updated"), ("WS-LIFE", "determined"), ("WS-LIFE", "settled"),
                           ("WS-LATE", "activated")]
            paused, resumed, moved, closed, determined, settled, late = (f["msg"] for f in frames)
            assert paused["is_deactivated"] is True and resumed["is_deactivated"] is False
            assert moved["close_ts"] == int(close_at.timestamp())
            assert closed["close_ts"] <= moved["close_ts"]
            assert (determined["result"], determined["settlement_value"]) == ("yes", "1.0000")
            assert isinstance(determined["determination_ts"], int)
            assert settled["result"] == "yes" and settled["settled_ts"] >= determined["determination_ts"]
            assert isinstance(late["open_ts"], int) and isinstance(late["close_ts"], int)
    run(scenario)


def test_order_group_updates():
    """order_group_updates tells the owner of create, limit change, trigger, reset and delete, with the
    contracts limit on created and limit_updated only; another user's groups are not sent."""
    alice, bob = make_user("alice"), make_user("bob")

    async def scenario():
        async with Communicator(headers=await in_thread(signed_pairs)(alice)) as c:
            await c.send("subscribe", channels=["order_group_updates"])
            assert (await c.recv())["type"] == "subscribed"
            group = await in_thread(services.order_group_create)(user=alice, contracts_limit=count_from_contracts(10))
            await in_thread(services.order_group_create)(user=bob, contracts_limit=count_from_contracts(5))
            gid = str(group.pk)
            await in_thread(services.order_group_update_limit)(user=alice, group_id=gid,
                                                               contracts_limit=count_from_contracts(20))
            await in_thread(services.order_group_trigger)(user=alice, group_id=gid)
            await in_thread(services.order_group_reset)(user=alice, group_id=gid)
            await in_thread(services.order_group_delete)(user=alice, group_id=gid)
            frames = await c.drain()
            assert [f["msg"]["event_type"] for f in frames] == ["created", "limit_updated", "triggered", "reset",
                                                                "deleted"]
            assert [f["seq"] for f in frames] == [1, 2, 3, 4, 5]
            assert {f["msg"]["order_group_id"] for f in frames} == {gid}
            assert [f["msg"].get("contracts_limit_fp") for f in frames] == ["10.00", "20.00", None, None, None]
            for frame in frames:
                assert frame["type"] == "order_group_updates" and isinstance(frame["msg"]["ts_ms"], int)
                assert_fits(frame, "orderGroupUpdatesPayload")
    run(scenario)


@pytest.mark.parametrize("legacy", [False, True], ids=["today", "before-2026"])
def test_private_channel_fields_match_asyncapi(settings, legacy):
    """user_order, fill and market_position for a resting order that is then filled fit the asyncapi
    revision of the API date, with the right values: today the `_fp`/`_dollars` fields alone, before
    2026-03-12 the legacy integer fields beside them.

    Evidence: https://docs.kalshi.com/getting_started/subpenny_pricing ("March 12: legacy integer fields
    removed from all API responses"); the two asyncapi revisions in tests/specs/kalshi (SOURCE.md).
    """
    if legacy:
        settings.KALSHI_API_DATE = "2025-12-31"
    make_market("WS-PRIV")
    alice, bob = make_user("alice"), make_user("bob")

    async def scenario():
        async with Communicator(headers=await in_thread(signed_pairs)(alice)) as c:
            await c.send("subscribe", channels=["user_orders", "fill", "market_positions"], market_ticker="WS-PRIV")
            assert [f["type"] for f in await c.drain()] == ["subscribed"] * 3
            resting = await in_thread(place)(alice, "WS-PRIV", "yes", "buy", 55, 3, client_order_id="alice-1")
            created = await c.recv()
            assert created["type"] == "user_order" and created["msg"]["status"] == "resting"
            await in_thread(place)(bob, "WS-PRIV", "no", "buy", 55, 3)
            frames = [created, *await c.drain()]
            by_type = {}
            for frame in frames:
                by_type.setdefault(frame["type"], []).append(frame)
            assert sorted(by_type) == ["fill", "market_position", "user_order"]
            assert len(by_type["user_order"]) == 2 and len(by_type["fill"]) == 1
            schema_of = {"user_order": "userOrderPayload", "fill": "fillPayload",
                         "market_position": "marketPositionPayload"}
            for frame in frames:
                assert_fits(frame, schema_of[frame["type"]])
            executed = by_type["user_order"][-1]["msg"]
            assert executed["order_id"] == str(resting.id) and executed["client_order_id"] == "alice-1"
            assert (executed["status"], executed["last_update_reason"]) == ("executed", "Trade")
            assert (executed["fill_count_fp"], executed["remaining_count_fp"], executed["initial_count_fp"]) == (
                "3.00", "0.00", "3.00")
            assert executed["yes_price_dollars"] == "0.5500" and executed["outcome_side"] == "yes"
            assert executed["maker_fill_cost_dollars"] == "1.650000"
            fill = by_type["fill"][0]["msg"]
            assert (fill["order_id"], fill["is_taker"], fill["count_fp"], fill["yes_price_dollars"]) == (
                str(resting.id), False, "3.00", "0.5500")
            assert (fill["post_position_fp"], fill["outcome_side"], fill["client_order_id"]) == ("3.00", "yes",
                                                                                                "alice-1")
            position = by_type["market_position"][-1]["msg"]
            assert (position["position_fp"], position["position_cost_dollars"]) == ("3.00", "1.6500")
            assert position["user_id"] == user_uuid(alice.pk)
            legacy_fields = [(fill.get("yes_price"), fill.get("count")), (position.get("position"),
                                                                          position.get("position_cost"))]
            assert legacy_fields == ([(55, 3), (3, 16500)] if legacy else [(None, None), (None, None)])
    run(scenario)


def test_market_position_volume_counts_contracts(legacy_api):
    """market_position `volume`/`volume_fp` are contracts traded (asyncapi), not the notional traded."""
    make_market("WS-VOL")
    alice, bob = make_user("alice"), make_user("bob")

    async def scenario():
        async with Communicator(headers=await in_thread(signed_pairs)(alice)) as c:
            await c.send("subscribe", channels=["market_positions"], market_ticker="WS-VOL")
            await c.recv()
            await in_thread(place)(alice, "WS-VOL", "yes", "buy", 55, 3)
            await in_thread(place)(bob, "WS-VOL", "no", "buy", 55, 3)
            position = (await c.recv())["msg"]
            assert (position["volume"], position["volume_fp"]) == (3, "3.00")
    run(scenario)


def test_connections_of_one_process_share_events_but_not_options():
    """Two connections on one market each get every delta, rendered with their own use_yes_price; when one
    leaves, the other keeps receiving."""
    make_market("WS-SHARE")
    alice = make_user("alice")

    async def scenario():
        async with Communicator() as plain, Communicator() as yes_priced:
            await plain.send("subscribe", channels=["orderbook_delta"], market_ticker="WS-SHARE")
            await yes_priced.send("subscribe", channels=["orderbook_delta"], market_ticker="WS-SHARE",
                                  use_yes_price=True)
            await plain.drain()
            await yes_priced.drain()
            await in_thread(place)(alice, "WS-SHARE", "no", "buy", 70, 2)  # a NO bid at 30, YES ask at 70
            assert (await plain.recv())["msg"]["price_dollars"] == "0.3000"
            assert (await yes_priced.recv())["msg"]["price_dollars"] == "0.7000"
            await yes_priced.comm.disconnect()
            await in_thread(place)(alice, "WS-SHARE", "yes", "buy", 40, 1)
            delta = await plain.recv()
            assert (delta["msg"]["price_dollars"], delta["seq"]) == ("0.4000", 3)
    run(scenario)


def test_own_deltas_carry_client_order_id_and_subaccount():
    """An orderbook_delta caused by the subscriber's own order carries that order's client_order_id and
    subaccount; the same delta sent to another user carries neither, and so do deltas of others' orders.

    Evidence: captured production feed, "The account's OWN deltas additionally carry client_order_id +
    "subaccount":0 ... Place δ>0, cancel δ<0" (a public bot's exchange notes, GitHub code search: "Kalshi
    Exchange Specifics - message fields"); kalshi-sdk / asyncapi orderbookDeltaPayload lists optional
    client_order_id and subaccount (tests/specs/kalshi/asyncapi.yaml).
    """
    make_market("WS-OWN")
    alice, bob = make_user("alice"), make_user("bob")

    async def scenario():
        async with Communicator(headers=await in_thread(signed_pairs)(alice)) as a, \
                Communicator(headers=await in_thread(signed_pairs)(bob)) as b:
            for c in (a, b):
                await c.send("subscribe", channels=["orderbook_delta"], market_ticker="WS-OWN")
                assert [f["type"] for f in await c.drain()] == ["subscribed", "orderbook_snapshot"]
            placed = await in_thread(place)(alice, "WS-OWN", "yes", "buy", 40, 2, client_order_id="mine-1")
            own, seen = (await a.recv())["msg"], (await b.recv())["msg"]
            assert (own["delta_fp"], own["client_order_id"], own["subaccount"]) == ("2.00", "mine-1", 0)
            assert "client_order_id" not in seen and "subaccount" not in seen
            await in_thread(services.order_cancel)(user=alice, order_id=str(placed.id))
            own = (await a.recv())["msg"]
            assert (own["delta_fp"], own["client_order_id"]) == ("-2.00", "mine-1")
            await in_thread(place)(bob, "WS-OWN", "yes", "buy", 41, 1, client_order_id="bobs")
            others = (await a.recv())["msg"]
            assert "client_order_id" not in others and "subaccount" not in others
            assert_fits({"type": "orderbook_delta", "sid": 1, "seq": 4, "msg": others}, "orderbookDeltaPayload")
    run(scenario)
