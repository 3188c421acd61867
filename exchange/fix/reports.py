"""Rendering outbox events into FIX ExecutionReports (35=8) and MarketSettlementReports (35=UMS).

Pure: takes outbox rows as `OutboxEvent` values and returns message bodies. One transaction's
events (same market and book_seq) are rendered together so a Trade report knows the order it
belongs to and the owner's position after it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from exchange.engine.units import CENT, count_to_fp, units_to_dollars
from exchange.fix import codec

Body = list[tuple[int, str]]
CANCEL_REASONS = {"user", "ioc_remainder", "self_trade", "market_halted", "market_closed", "settled",
                  "order_group"}


@dataclass(frozen=True)
class OutboxEvent:
    id: int
    kind: str
    user_id: int | None
    market_id: int | None
    book_seq: int | None
    created_at: datetime
    payload: dict

    @property
    def txn(self) -> tuple:
        """Events of one transaction share the market and its book_seq after the change."""
        return (self.market_id, self.book_seq)


@dataclass(frozen=True)
class Report:
    """One rendered report; `order_id` routes it to the session that placed the order."""

    msg_type: str
    body: Body
    user_id: int
    order_id: str | None
    source: str
    event_id: int


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


def execution_reports(events: list[OutboxEvent], *, dollars: bool, orig_cl_ord_ids: dict[str, str] | None = None,
                      ) -> list[Report]:
    """ExecutionReports for the order and fill events among `events` (outbox id order)."""
    groups: dict[tuple, list[OutboxEvent]] = {}
    for event in events:
        if event.kind in ("order", "fill", "position") and event.user_id is not None:
            groups.setdefault(event.txn, []).append(event)
    reports: list[Report] = []
    for group in groups.values():
        reports += _group_reports(group, dollars, orig_cl_ord_ids or {})
    reports.sort(key=lambda r: (r.event_id, _exec_n(r)))
    return reports


def _exec_n(report: Report) -> int:
    exec_id = dict(report.body)[17]
    return int(exec_id.split(";")[1])


def _group_reports(group: list[OutboxEvent], dollars: bool, orig: dict[str, str]) -> list[Report]:
    fills: dict[str, list[OutboxEvent]] = {}
    positions: dict[int, int] = {}
    for event in group:
        if event.kind == "fill":
            fills.setdefault(event.payload["order_id"], []).append(event)
        elif event.kind == "position":
            positions[event.user_id] = event.payload["position"]
    out: list[Report] = []
    for event in group:
        if event.kind != "order":
            continue
        order = event.payload
        own_fills = fills.get(order["order_id"], [])
        reason, status = order["reason"], order["status"]
        base = _Order(order, event, dollars)
        n = 0
        if reason == "placed":
            out.append(base.report("0", "0", cum=0, leaves=order["initial_count"], n=n))
            n += 1
        elif reason in ("amended", "decreased"):
            cum = order["fill_count"] - sum(f.payload["count"] for f in own_fills)
            leaves = order["remaining_count"] + sum(f.payload["count"] for f in own_fills)
            out.append(base.report("5", "1" if cum else "0", cum=cum, leaves=leaves, n=n,
                                   orig_cl_ord_id=orig.get(order["order_id"], order["client_order_id"])))
            n += 1
        filled_before = order["fill_count"] - sum(f.payload["count"] for f in own_fills)
        cum = filled_before
        for i, fill_event in enumerate(own_fills):
            fill = fill_event.payload
            cum += fill["count"]
            later = sum(f.payload["count"] for f in own_fills[i + 1:])
            leaves = order["remaining_count"] + later if status != "canceled" else order["initial_count"] - cum
            leaves = max(leaves, 0)
            ord_status = "2" if leaves == 0 else "1"
            out.append(base.trade(fill_event, cum=cum, leaves=leaves, ord_status=ord_status,
                                  position=positions.get(fill["user_id"])))
        if status == "canceled" and (reason in CANCEL_REASONS or reason == "placed"):
            out.append(base.report("4", "4", cum=order["fill_count"], leaves=0, n=n,
                                   text=f"canceled: {reason if reason != 'placed' else 'immediate_or_cancel'}"))
        elif reason == "expired":
            out.append(base.report("C", "C", cum=order["fill_count"], leaves=0, n=n, text="expired"))
    return out


class _Order:
    def __init__(self, order: dict, event: OutboxEvent, dollars: bool) -> None:
        self.order, self.event, self.dollars = order, event, dollars

    def _common(self, exec_id: str, exec_type: str, ord_status: str, cum: int, leaves: int) -> Body:
        o = self.order
        return [
            (37, o["order_id"]), (11, o["client_order_id"] or o["order_id"]), (17, exec_id), (150, exec_type),
            (39, ord_status), (54, "1" if o["book_side"] == "bid" else "2"), (55, o["ticker"]),
            (151, qty_text(leaves)), (14, qty_text(cum)), (6, price_text(_avg_price(o), self.dollars)),
            (38, qty_text(o["initial_count"])),
        ]

    def _tail(self, ts_ms: int) -> Body:
        body = [(44, price_text(self.order["price"], self.dollars)), (60, fix_time(ts_ms))]
        if self.order.get("expiration_ts_ms"):
            body.append((126, fix_time(self.order["expiration_ts_ms"])))
        return body

    def _make(self, body: Body, event_id: int) -> Report:
        return Report("8", body, self.order["user_id"], self.order["order_id"], self.order["source"], event_id)

    def report(self, exec_type: str, ord_status: str, *, cum: int, leaves: int, n: int, text: str = "",
               orig_cl_ord_id: str = "") -> Report:
        body = self._common(f"{self.event.id};{n}", exec_type, ord_status, cum, leaves)
        if orig_cl_ord_id:
            body.append((41, orig_cl_ord_id))
        body += self._tail(self.order["ts_ms"])
        if text:
            body.append((58, text))
        body.append((2964, "2" if self.order["self_trade_prevention_type"] == "maker" else "1"))
        return self._make(body, self.event.id)

    def trade(self, fill_event: OutboxEvent, *, cum: int, leaves: int, ord_status: str,
              position: int | None) -> Report:
        fill = fill_event.payload
        body = self._common(f"{fill_event.id};0", "F", ord_status, cum, leaves)
        body += [(31, price_text(fill["price"], self.dollars)), (32, qty_text(fill["count"]))]
        body += self._tail(fill["ts_ms"])
        body += [(136, "1"), (137, units_to_dollars(fill["fee"])), (138, "USD"), (139, "4"), (891, "0")]
        if position is not None:
            body += [(704, qty_text(max(position, 0))), (705, qty_text(max(-position, 0)))]
        body += [(880, fill["trade_id"]), (1057, "Y" if fill["is_taker"] else "N")]
        return self._make(body, fill_event.id)


def _avg_price(order: dict) -> int:
    """Average YES price of the order's fills (0 before any)."""
    count = order["fill_count"]
    if not count:
        return 0
    cost = order["taker_fill_cost"] + order["maker_fill_cost"]
    yes_notional = cost if order["book_side"] == "bid" else count * CENT - cost
    return yes_notional * 100 // count


def rejected_report(*, cl_ord_id: str, symbol: str, side: str, qty: str, price: str, reason: int, text: str,
                    exec_id: str, order_id: str = "NONE") -> Body:
    """An ExecutionReport for an order the exchange refused (no outbox event exists for it)."""
    return [
        (37, order_id), (11, cl_ord_id), (17, exec_id), (150, "8"), (39, "8"), (54, side), (55, symbol),
        (151, "0"), (14, "0"), (6, "0"), (38, qty), (103, str(reason)), (44, price),
        (60, codec.sending_time()), (58, text),
    ]


def settlement_report(event: OutboxEvent, *, party_id: str) -> Body:
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
