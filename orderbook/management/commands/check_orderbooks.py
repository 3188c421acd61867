"""Compare every rebuilt book with the exchange's book at the same book_seq; fail on any difference."""

from django.core.management.base import BaseCommand, CommandError

from orderbook.check import CheckStatus, check_books, rebuilt_books
from orderbook.source import RebuilderUnavailable


class Command(BaseCommand):
    help = "Report drift between the rebuilder's books and the exchange's, per market."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="", help="the rebuilder's base URL (default ORDERBOOK_REBUILDER_URL)")

    def handle(self, *args, url: str, **options):
        try:
            results = check_books(rebuilt_books(url or None))
        except RebuilderUnavailable as error:
            raise CommandError(str(error)) from None
        for result in results:
            line = f"{result.ticker}: {result.status}"
            if result.rebuilt_seq is not None:
                line += f" at book_seq {result.rebuilt_seq} (exchange at {result.exchange_seq})"
            for (side, price), (expected, actual) in result.diff.items():
                line += f"\n  {side} {price}: exchange {expected}, rebuilt {actual}"
            self.stdout.write(line)
        bad = [r.ticker for r in results if r.status is not CheckStatus.OK]
        if bad:
            raise CommandError(f"{len(bad)} of {len(results)} markets differ: {', '.join(bad)}")
        self.stdout.write(f"all {len(results)} markets match")
