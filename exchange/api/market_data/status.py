"""Market status on the wire, both ways: our lifecycle states and Kalshi's words for them.

SDK 3.2.0 knows initialized/active/closed/determined/settled; 3.34.0 knows initialized/inactive/active/
closed/determined/finalized (plus dispute states we never enter). Where they disagree,
settings.EXCHANGE["MARKET_STATUS_STYLE"] picks the generation.
"""

from django.conf import settings

from exchange.engine.rejects import RejectCode
from exchange.models import Market
from exchange.services.errors import ExchangeError

S = Market.Status

_WIRE = {
    "finalized": {S.INACTIVE: "inactive", S.FINALIZED: "finalized"},
    # The older generation has no paused state: a paused market takes no orders, like a closed one.
    "settled": {S.INACTIVE: "closed", S.FINALIZED: "settled"},
}

# Kalshi's GET /markets and /events filter vocabulary, and only it: production answers any other word
# with a 400 ("closed" includes markets awaiting settlement).
FILTER_WORDS: dict[str, tuple[str, ...]] = {
    "unopened": (S.INITIALIZED,),
    "open": (S.ACTIVE,),
    "paused": (S.INACTIVE,),
    "closed": (S.CLOSED, S.DETERMINED),
    "settled": (S.FINALIZED,),
}


def status_style() -> str:
    style = settings.EXCHANGE.get("MARKET_STATUS_STYLE", "finalized")
    return style if style in _WIRE else "finalized"


def wire_status(status: str, style: str | None = None) -> str:
    """Our lifecycle state as the configured SDK generation spells it."""
    return _WIRE[style or status_style()].get(status, status)


def parse_status_filter(raw: str | None) -> list[str] | None:
    """A comma list of filter words -> our statuses; None when no filter was given."""
    if not raw:
        return None
    statuses: list[str] = []
    for word in (part.strip().lower() for part in raw.split(",")):
        if not word:
            continue
        if word not in FILTER_WORDS:
            raise ExchangeError(RejectCode.INVALID_PARAMETER, f"unknown status {word!r}",
                                f"status must be one of {', '.join(sorted(FILTER_WORDS))}")
        statuses.extend(FILTER_WORDS[word])
    return statuses or None
