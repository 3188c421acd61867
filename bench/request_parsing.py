"""The cost of reading request bodies strictly, next to DRF's own JSONParser, measured in the same run.

Run from the repository root: `python -m bench.request_parsing`. Parses a V2 create-order body and a
100-order batch body many times with each parser (best of a few repetitions) and prints the time per
body and the ratio. The strict parser also walks every string for NUL and lone surrogates and bounds
the nesting depth; this shows what that walk costs on the bodies clients really send.
"""

import io
import json
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `exchange` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import setup_django, table  # noqa: E402

REPEATS = 5


def _order(n: int) -> dict:
    return {"ticker": "BENCH-MKT", "side": "yes", "action": "buy", "count": 10, "yes_price_dollars": "0.4500",
            "client_order_id": f"bench-{n:06d}", "time_in_force": "good_till_canceled", "post_only": False}


def _per_body_us(parser, raw: bytes, rounds: int) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(rounds):
            parser.parse(io.BytesIO(raw))
        best = min(best, time.perf_counter() - start)
    return best / rounds * 1e6


def main() -> None:
    setup_django()
    from rest_framework.parsers import JSONParser

    from exchange.api.parsers import StrictJSONParser

    bodies = [("one order", json.dumps(_order(1)).encode(), 20_000),
              ("batch of 100 orders", json.dumps({"orders": [_order(n) for n in range(100)]}).encode(), 500)]
    rows = []
    for name, raw, rounds in bodies:
        baseline = _per_body_us(JSONParser(), raw, rounds)
        strict = _per_body_us(StrictJSONParser(), raw, rounds)
        rows.append([name, len(raw), f"{baseline:.1f}", f"{strict:.1f}", f"{strict / baseline:.2f}x"])
    print(table("Request body parsing (microseconds per body, best of 5)",
                ["body", "bytes", "DRF JSONParser", "StrictJSONParser", "ratio"], rows))


if __name__ == "__main__":
    main()
