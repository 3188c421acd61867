"""Rebuilt books over HTTP: the API (`/orderbook/api/...`) and the admin's drift and level pages."""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from exchange.api.errors import json_error
from orderbook.check import check_books
from orderbook.render import book_dict
from orderbook.runtime import local_feed, local_rebuilder
from orderbook.source import RebuilderUnavailable, book_dict_of, book_dicts, levels_of

MAX_DEPTH = 1000


def _depth(request: HttpRequest) -> int | None:
    raw = request.GET.get("depth", "0")
    if not raw.isdigit() or int(raw) > MAX_DEPTH:
        return None
    return int(raw)


def _no_rebuilder() -> JsonResponse:
    return json_error("service_unavailable", "this process runs no order-book rebuilder", 503)


@require_GET
def book(request: HttpRequest, ticker: str) -> JsonResponse:
    """One rebuilt book; `depth` > 0 keeps the best levels of each side."""
    depth = _depth(request)
    if depth is None:
        return json_error("bad_request", f"depth must be an integer from 0 to {MAX_DEPTH}", 400)
    rebuilder = local_rebuilder()
    if rebuilder is None:
        return _no_rebuilder()
    view = rebuilder.view(ticker, depth)
    if view is None:
        return json_error("not_found", f"no rebuilt book for market {ticker}", 404)
    return JsonResponse(book_dict(view))


@require_GET
def feed(request: HttpRequest) -> JsonResponse:
    """Where this process's feed consumer started in each partition and what it has committed."""
    consumer = local_feed()
    if consumer is None:
        return _no_rebuilder()
    partitions = [{"partition": p, "start_offset": offset, "start": start.value,
                   "committed_offset": consumer.committed.get(p)}
                  for p, (offset, start) in sorted(consumer.starts.items())]
    return JsonResponse({"group": consumer.config.group, "partitions": partitions,
                         "bad_messages": consumer.bad_messages})


@require_GET
def all_books(request: HttpRequest) -> JsonResponse:
    """Every rebuilt book, in ticker order; `depth=1` is the bulk top of book."""
    depth = _depth(request)
    if depth is None:
        return json_error("bad_request", f"depth must be an integer from 0 to {MAX_DEPTH}", 400)
    rebuilder = local_rebuilder()
    if rebuilder is None:
        return _no_rebuilder()
    books = [book_dict(view) for ticker in rebuilder.tickers() if (view := rebuilder.view(ticker, depth))]
    return JsonResponse({"books": books})


@staff_member_required
def drift(request: HttpRequest) -> HttpResponse:
    """Every rebuilt book checked against the exchange at its own book_seq, with its feed counters."""
    try:
        books, error = book_dicts(), ""
    except RebuilderUnavailable as unavailable:
        books, error = [], str(unavailable)
    stats = {book["ticker"]: book["stats"] for book in books}
    results = check_books({book["ticker"]: (book["book_seq"], levels_of(book)) for book in books}) if books else []
    rows = [{"check": r, "stats": stats.get(r.ticker)} for r in results]
    return render(request, "orderbook/drift.html", {"title": "Order-book drift", "rows": rows, "error": error})


@staff_member_required
def levels(request: HttpRequest, ticker: str) -> HttpResponse:
    """One rebuilt book with each level's last update time and type."""
    try:
        book = book_dict_of(ticker)
    except RebuilderUnavailable as unavailable:
        raise Http404(str(unavailable)) from None
    if book is None:
        raise Http404(f"no rebuilt book for {ticker}")
    return render(request, "orderbook/levels.html", {"title": f"Rebuilt book {ticker}", "book": book})
