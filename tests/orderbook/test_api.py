"""GET /orderbook/api/{ticker} and /orderbook/api/all serve this process's rebuilt books."""


def test_a_book_lists_both_sides_best_first_with_each_levels_last_update(client, book_a):
    """YES bids by YES price, NO bids by NO price; each level says when and how it last changed."""
    book_a.on_delta("MKT-A", 4, [("bid", 4400, 100)], 1_700_000_001_000)
    body = client.get("/orderbook/api/MKT-A").json()
    assert (body["ticker"], body["book_seq"], body["synced"]) == ("MKT-A", 4, True)
    assert [(lv["price"], lv["count"]) for lv in body["yes"]] == [(4500, 1000), (4400, 300)]
    assert [(lv["price_dollars"], lv["count_fp"]) for lv in body["no"]] == [("0.4500", "3.00")]
    assert body["yes"][1] == {"price": 4400, "price_dollars": "0.4400", "count": 300, "count_fp": "3.00",
                              "book_seq": 4, "updated_time": "2023-11-14T22:13:21Z", "update_type": "increase"}
    assert body["yes"][0]["update_type"] == "snapshot"
    assert body["stats"]["deltas"] == 1 and body["stats"]["last_resync_reason"] == "start"


def test_depth_keeps_the_best_levels(client, book_a):
    """depth=1 is the top of book."""
    body = client.get("/orderbook/api/MKT-A?depth=1").json()
    assert [lv["price"] for lv in body["yes"]] == [4500] and len(body["no"]) == 1


def test_all_books_at_depth_one_is_the_bulk_top_of_book(client, book_a):
    """Every market in ticker order."""
    book_a.on_delta("MKT-B", 1, [("bid", 100, 1)], 1)  # unknown until a resync: listed, not synced
    body = client.get("/orderbook/api/all?depth=1").json()
    assert [(b["ticker"], b["synced"]) for b in body["books"]] == [("MKT-A", True), ("MKT-B", False)]
    assert [lv["price"] for lv in body["books"][0]["yes"]] == [4500]


def test_an_unknown_market_is_404_in_the_error_shape(client, book_a):
    """The exchange's one error body (no `service` key today, as production since 2026-08-06)."""
    response = client.get("/orderbook/api/NOPE")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "no rebuilt book for market NOPE"}}


def test_a_bad_depth_is_400(client, book_a):
    """Negative, non-numeric and huge depths are refused."""
    for depth in ("-1", "x", "1.5", "100000"):
        response = client.get(f"/orderbook/api/all?depth={depth}")
        assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"


def test_a_process_without_a_rebuilder_answers_503(client):
    """The web process of a full deployment serves no rebuilt books; the rebuilder process does."""
    for path in ("/orderbook/api/all", "/orderbook/api/MKT-A", "/orderbook/api/feed"):
        response = client.get(path)
        assert response.status_code == 503 and response.json()["error"]["code"] == "service_unavailable"
