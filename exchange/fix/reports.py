"""Rendering outbox events into FIX ExecutionReports (35=8) and MarketSettlementReports (35=UMS).

Pure: each EXECUTION event is one execution fact the services recorded from the engine's result
(exec type, CumQty, LeavesQty, the fill), and becomes exactly one ExecutionReport; nothing is
inferred from order states. ExecID is "<event id>;0", so a report names the event it came from.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from exchange.engine.units import CENT, count_to_fp, units_to_dollars
from exchange.fix import codec
from exchange.outbox import Envelope, EventKind, ExecType, UpdateReason

Body = list[tuple[int, str]]

# FIX ExecType (150) and the OrdStatus (39) it implies, per execution type.
EXEC_TYPES: dict[ExecType, str] = {
    ExecType.NEW: "0", ExecType.TRADE: "F", ExecType.CANCELED: "4", ExecType.REPLACED: "5",
    ExecType.EXPIRED: "C", ExecType.REJECTED: "8",
}


@dataclass(frozen=True)
class Report:
    """One rendered report; `order_id` routes it to the session that placed the order."""

    msg_type: str
    body: Body
    user_id: int
    order_id: str | None
    source: str
    event_id: int
    reason: str = ""  # the execution fact's UpdateReason: decides Canceled or Expired per session


def price_text(price: int, dollars: bool) -> str:
    """A YES price on the wire: dollars ('0.4500') with UseDollars, else cents ('45' or '45.5')."""
    if dollars:
        return units_to_dollars(price)
    whole, frac = divmod(price, CENT)
    return str(whole) if not frac else f"{whole}.{frac:02d}".rstrip("0")


def qty_text(count: int) -> str:
    return count_to_fp(count)


def fix_time(ts_ms: int) -> str:
    return codec.sending_time(datetime.fromtimestamp(ts_ms / 1000, tz=UTC))


def execution_reports(events: list[Envelope], *, dollars: bool) -> list[Report]:
    """One ExecutionReport per EXECUTION event among `events`, in their order."""
    return [execution_report(e, dollars=dollars) for e in events if e.kind is EventKind.EXECUTION]


def execution_report(event: Envelope, *, dollars: bool) -> Report:
    fact = event.payload
    exec_type = ExecType(fact["exec_type"])
    cum, leaves = fact["cum"], fact["leaves"]
    body: Body = [
        (37, fact["order_id"]), (11, fact["client_order_id"] or fact["order_id"]), (17, f"{event.id};0"),
        (150, EXEC_TYPES[exec_type]), (39, _ord_status(exec_type, cum, leaves)),
        (54, "1" if fact["book_side"] == "bid" else "2"), (55, fact["ticker"]), (151, qty_text(leaves)),
        (14, qty_text(cum)), (6, price_text(_avg_price(fact), dollars)), (38, qty_text(fact["order_count"])),
    ]
    if exec_type is ExecType.TRADE:
        body += [(31, price_text(fact["last_price"], dollars)), (32, qty_text(fact["last_count"]))]
    if exec_type is ExecType.REPLACED:
        # OrigClOrdID: the ClOrdID the order had before the replace; older facts lack it and fall back to 11's.
        body.append((41, fact.get("orig_client_order_id", fact["client_order_id"]) or fact["order_id"]))
    body += [(44, price_text(fact["price"], dollars)), (60, fix_time(fact["ts_ms"]))]
    if fact.get("expiration_ts_ms"):
        body.append((126, fix_time(fact["expiration_ts_ms"])))
    if exec_type is ExecType.TRADE:
        position = fact["post_position"]
        body += [(136, "1"), (137, units_to_dollars(fact["fee"])), (138, "USD"), (139, "4"), (891, "0"),
                 (704, qty_text(max(position, 0))), (705, qty_text(max(-position, 0))),
                 (880, fact["trade_id"]), (1057, "Y" if fact["is_taker"] else "N")]
    else:
        if exec_type is ExecType.CANCELED:
            body.append((58, f"canceled: {fact['reason']}"))
        elif exec_type is ExecType.EXPIRED:
            body.append((58, "expired"))
        body.append((2964, "2" if fact["self_trade_prevention_type"] == "maker" else "1"))
    return Report("8", body, fact["user_id"], fact["order_id"], fact["source"], event.id, fact.get("reason", ""))


# Cancels Kalshi reports as Expired (150=C, 39=C) to a session that asked with Logon UseExpiredOrdStatus
# (21012=Y): market close cancels, and order expiry cancels once production added them (api_changes
# FIX_EXPIRY_CANCEL_EXPIRED_FLAG). Every other session sees them as Canceled (150=4, 39=4).
CLOSE_CANCELS = frozenset({UpdateReason.MARKET_CLOSED, UpdateReason.SETTLED})
EXPIRY_CANCELS = frozenset({UpdateReason.EXPIRED})


def with_cancel_status(report: Report, expired_for: frozenset[str]) -> Body:
    """`report`'s body with a cancel shown as Expired when its reason is in `expired_for`, else Canceled."""
    body = dict(report.body)
    if body.get(150) not in ("4", "C"):
        return report.body
    status = "C" if report.reason in expired_for else "4"
    text = "expired" if status == "C" else f"canceled: {report.reason}"
    return [(tag, status if tag in (150, 39) else text if tag == 58 else value) for tag, value in report.body]


def fold_new_into_trade(reports: list[Report]) -> list[Report]:
    """Kalshi's default: an order that takes liquidity as it arrives gets no standalone New (39=0) report;
    its first Trade report, delivered in the same batch, acknowledges it."""
    traded = {r.order_id for r in reports if dict(r.body).get(150) == "F"}
    return [r for r in reports if not (dict(r.body).get(150) == "0" and r.order_id in traded)]


def _ord_status(exec_type: ExecType, cum: int, leaves: int) -> str:
    if exec_type is ExecType.TRADE:
        return "2" if leaves == 0 else "1"
    if exec_type is ExecType.REPLACED:
        return "1" if cum else "0"
    return EXEC_TYPES[exec_type]


def _avg_price(fact: dict) -> int:
    """Average YES price of the order's fills so far (0 before any)."""
    count = fact["cum"]
    if not count:
        return 0
    cost = fact["fill_cost"]
    yes_notional = cost if fact["book_side"] == "bid" else count * CENT - cost
    return yes_notional * 100 // count


def rejected_report(*, cl_ord_id: str, symbol: str, side: str, qty: str, price: str, reason: int, text: str,
                    exec_id: str, order_id: str = "NONE") -> Body:
    """An ExecutionReport for an order the exchange refused (no outbox event exists for it)."""
    return [
        (37, order_id), (11, cl_ord_id), (17, exec_id), (150, "8"), (39, "8"), (54, side), (55, symbol),
        (151, "0"), (14, "0"), (6, "0"), (38, qty), (103, str(reason)), (44, price),
        (60, codec.sending_time()), (58, text),
    ]


def settlement_report(event: Envelope, *, party_id: str) -> Body:
    """A MarketSettlementReport for one holder's settlement event."""
    p = event.payload
    settled = datetime.fromtimestamp(p["ts_ms"] / 1000, tz=UTC)
    price = "100.00" if p["result"] == "yes" else "0.00"
    return [
        (20105, str(event.id)), (55, p["ticker"]), (715, settled.strftime("%Y%m%d")), (20106, "1"),
        (20107, p["result"]), (730, price), (893, "Y"), (20108, "1"), (20109, party_id), (20110, "24"),
        (704, qty_text(p["yes_count"])), (705, qty_text(p["no_count"])),
        (1703, "2"), (1704, units_to_dollars(p["revenue"])), (1705, "PAYOUT"),
        (1704, units_to_dollars(p["revenue"])), (1705, "BALANCE"),
        (136, "1"), (137, units_to_dollars(p["fees_paid"])), (138, "USD"), (139, "4"), (891, "0"),
    ]
