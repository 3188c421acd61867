"""Where a process reads rebuilt books: its own rebuilder, or over HTTP the one at
ORDERBOOK["REBUILDER_URL"] (the web process of a full deployment runs none). Books come in their wire
form, `render.book_dict`."""

import json
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

from exchange.engine.units import ONE_DOLLAR
from orderbook.book import LevelKey
from orderbook.render import book_dict
from orderbook.runtime import local_rebuilder


class RebuilderUnavailable(Exception):
    """No rebuilder in this process and none reachable at ORDERBOOK["REBUILDER_URL"]."""


def book_dicts(url: str | None = None) -> list[dict]:
    """Every rebuilt book, in ticker order; `url` names a rebuilder to ask instead of the defaults."""
    rebuilder = local_rebuilder()
    if rebuilder is not None and not url:
        return [book_dict(view) for ticker in rebuilder.tickers() if (view := rebuilder.view(ticker))]
    try:
        return _fetch(url, "all")["books"]
    except urllib.error.HTTPError as error:  # e.g. 503 from a process that runs no rebuilder
        raise RebuilderUnavailable(f"the rebuilder answered {error.code}") from None


def book_dict_of(ticker: str, url: str | None = None) -> dict | None:
    """One rebuilt book, or None when the rebuilder has none for `ticker`."""
    rebuilder = local_rebuilder()
    if rebuilder is not None and not url:
        view = rebuilder.view(ticker)
        return book_dict(view) if view is not None else None
    try:
        return _fetch(url, urllib.parse.quote(ticker, safe=""))
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise RebuilderUnavailable(f"the rebuilder answered {error.code} for {ticker}") from None


def levels_of(book: dict) -> dict[LevelKey, int]:
    """A wire-form book's levels back in YES space: {(book side, YES price): count}."""
    levels = {("bid", level["price"]): level["count"] for level in book["yes"]}
    levels.update({("ask", ONE_DOLLAR - level["price"]): level["count"] for level in book["no"]})
    return levels


def _fetch(url: str | None, path: str) -> dict:
    url = url or settings.ORDERBOOK["REBUILDER_URL"]
    if not url:
        raise RebuilderUnavailable("this process runs no rebuilder and ORDERBOOK_REBUILDER_URL is not set")
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/orderbook/api/{path}", timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError:
        raise
    except (OSError, ValueError) as error:
        raise RebuilderUnavailable(f"cannot read rebuilt books from {url}: {error}") from None
