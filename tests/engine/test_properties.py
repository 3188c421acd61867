"""Property tests: random order streams against a harness that checks the book after every command."""

from collections import defaultdict
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.engine import (
    Book,
    CancelReason,
    NewOrder,
    OrderStatus,
    RejectCode,
    SelfTradePrevention,
    Side,
    TimeInForce,
    amend,
    cancel,
    decrease,
    submit,
)
from exchange.engine.matching import reduce_only_cap
from exchange.engine.units import ONE_DOLLAR, notional

SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
# (structure, fractional, lowest price, tick): a narrow band of prices so that orders cross often.
MARKETS = [("linear_cent", False, 4500, 100), ("deci_cent", True, 4950, 10), ("tapered_deci_cent", False, 9000, 10)]


@dataclass(frozen=True)
class Submit:
    side: Side
    px: int  # tick index; -1 is an off-tick price
    qty: int  # contracts; 0 is an invalid count
    frac: int  # hundredths taken off in fractional markets
    owner: int
    tif: TimeInForce
    post_only: bool
    reduce_only: bool
    stp: SelfTradePrevention
    cost_quarters: int | None  # max_cost as quarters of the worst-case notional


@dataclass(frozen=True)
class Cancel:
    pick: int


@dataclass(frozen=True)
class Decrease:
    pick: int
    qty: int
    frac: int


@dataclass(frozen=True)
class Amend:
    pick: int
    px: int
    qty: int
    frac: int
    post_only: bool
    stp: SelfTradePrevention
    mismatch: bool  # wrong owner: must be rejected


# Sampled rather than ranged: hypothesis shrinks ranges toward their edges, and -1 / 0 (invalid)
# should stay rare so that most commands reach the matching code.
px_st = st.sampled_from(list(range(11)) * 4 + [-1])
qty_st = st.sampled_from(list(range(1, 9)) * 4 + [20, 40, 0])
frac_st = st.integers(min_value=0, max_value=99)
stp_st = st.sampled_from(SelfTradePrevention)
pick_st = st.integers(min_value=0, max_value=1000)
SUBMITS = st.builds(
    Submit,
    side=st.sampled_from(Side),
    px=px_st,
    qty=qty_st,
    frac=frac_st,
    owner=st.integers(min_value=1, max_value=3),
    tif=st.sampled_from([TimeInForce.GTC] * 4 + [TimeInForce.IOC, TimeInForce.FOK]),
    post_only=st.sampled_from([False] * 6 + [True]),
    reduce_only=st.sampled_from([False] * 8 + [True]),
    stp=stp_st,
    cost_quarters=st.sampled_from([None] * 20 + [2, 3, 4, 5]),
)
CANCELS = st.builds(Cancel, pick=pick_st)
DECREASES = st.builds(Decrease, pick=pick_st, qty=qty_st, frac=frac_st)
AMENDS = st.builds(
    Amend,
    pick=pick_st,
    px=px_st,
    qty=qty_st,
    frac=frac_st,
    post_only=st.sampled_from([False] * 4 + [True]),
    stp=stp_st,
    mismatch=st.sampled_from([False] * 9 + [True]),
)
# Six submits for each cancel, decrease and amend, so the book fills up and orders cross.
OPS = st.sampled_from([SUBMITS] * 6 + [CANCELS, DECREASES, AMENDS]).flatmap(lambda strategy: strategy)
STREAMS = st.tuples(st.sampled_from(MARKETS), st.lists(OPS, min_size=20, max_size=100))


@dataclass
class Account:
    submitted: int = 0
    filled: int = 0
    canceled: int = 0


class Harness:
    """Turns abstract ops into engine commands, runs them, and checks the book after each one."""

    def __init__(self, market) -> None:
        self.structure, self.fractional, self.low, self.tick = market
        self.book = Book()
        self.shadow: dict[tuple[Side, int], int] = defaultdict(int)
        self.accounts: dict[str, Account] = {}
        self.positions: dict[int, int] = defaultdict(int)
        self.commands: list[tuple] = []
        self.results: list = []
        self.seq = 0

    # --- turning ops into commands ------------------------------------------------------------------
    def price(self, px: int) -> int:
        return self.low + self.tick // 2 if px < 0 else self.low + px * self.tick

    def count(self, qty: int, frac: int) -> int:
        return max(0, qty * 100 - frac) if self.fractional else qty * 100

    def pick(self, index: int) -> str:
        ids = [o.order_id for o in self.book.orders()] + ["ghost"]
        return ids[index % len(ids)]

    def command(self, op):
        kw = {"structure": self.structure, "fractional": self.fractional}
        self.seq += 1
        if isinstance(op, Submit):
            price, count = self.price(op.px), self.count(op.qty, op.frac)
            max_cost = None
            if op.cost_quarters is not None:
                max_cost = max(1, notional(op.side is Side.BID, price, count) * op.cost_quarters // 4)
            order = NewOrder(
                f"o{self.seq}",
                op.owner,
                op.side,
                price,
                count,
                priority=self.seq,
                tif=op.tif,
                post_only=op.post_only,
                reduce_only=op.reduce_only,
                position=self.positions[op.owner],
                stp=op.stp,
                max_cost=max_cost,
            )
            return submit, (self.book, order), kw
        order_id = self.pick(op.pick)
        if isinstance(op, Cancel):
            return cancel, (self.book, order_id), {}
        if isinstance(op, Decrease):
            return decrease, (self.book, order_id), {"by": self.count(op.qty, op.frac)}
        old = self.book.get(order_id)
        side, owner = (old.side, old.owner) if old else (Side.BID, 1)
        order = NewOrder(
            order_id,
            owner + 10 * op.mismatch,
            side,
            self.price(op.px),
            self.count(op.qty, op.frac),
            priority=self.seq,
            post_only=op.post_only,
            stp=op.stp,
        )
        return amend, (self.book, order), kw

    # --- running and checking -----------------------------------------------------------------------
    def run(self, ops) -> None:
        for op in ops:
            fn, args, kw = self.command(op)
            self.step(fn, args, kw)

    def step(self, fn, args, kw) -> None:
        book = self.book
        before_hash = book.state_hash()
        queues = {(side, lv.price): list(lv.orders) for side in Side for lv in book.levels(side)}
        before = {o.order_id: (o.side, o.price, o.remaining, o.owner) for o in book.orders()}
        result = fn(*args, **kw)
        self.commands.append((fn, args[1:], kw))
        self.results.append(result)

        book.check_invariants()  # never crossed, indexes agree, FIFO priorities within each level
        if fn is submit:
            self.check_decision(args[1], result, queues, before)
        if not result.ok:
            assert result.status is OrderStatus.REJECTED
            assert result.fills == () and result.canceled == () and result.levels == ()
            assert book.state_hash() == before_hash
            return
        self.check_levels(result)
        self.check_fills(fn, args, result, queues, before)
        self.check_accounts(fn, args, result, before)
        self.check_priority(fn, args, result, queues, before)

    def check_priority(self, fn, args, result, queues, before) -> None:
        """A decrease keeps the order's place; a price change or size increase sends it to the back."""
        subject = result.order_id
        if fn not in (decrease, amend) or subject not in self.book:
            return
        side, price, remaining, _ = before[subject]
        now = self.book.get(subject)
        queue_now = [o for lv in self.book.levels(side) if lv.price == now.price for o in lv.orders]
        keeps = fn is decrease or (args[1].price == price and args[1].count <= remaining)
        if keeps:
            assert queue_now == queues[(side, price)], "a decrease keeps the order's place"
        else:
            assert queue_now[-1] == subject, "a repriced or enlarged order goes to the back"

    def check_decision(self, order, result, queues, before) -> None:
        """Whether a submit is accepted, worked out independently of the engine."""
        if (order.price - self.low) % self.tick:
            assert result.reject is RejectCode.INVALID_PRICE
            return
        if order.count <= 0:
            assert result.reject is RejectCode.INVALID_COUNT
            return
        count = order.count
        if order.reduce_only:
            count = min(count, reduce_only_cap(order.side, self.positions[order.owner]))
            if count <= 0:
                assert result.reject is RejectCode.REDUCE_ONLY_NO_POSITION
                return
        opposite = order.side.opposite
        prices = sorted((p for s, p in queues if s is opposite), reverse=opposite is Side.BID)
        crossing = [
            i
            for p in prices
            if (p <= order.price if order.side is Side.BID else p >= order.price)
            for i in queues[(opposite, p)]
        ]
        fill_or_kill = order.tif is TimeInForce.FOK or order.max_cost is not None
        if order.post_only:
            expected = RejectCode.POST_ONLY_CROSS if crossing else None
            if expected is None and fill_or_kill:
                expected = RejectCode.MAX_COST_EXCEEDED if order.max_cost else RejectCode.FILL_OR_KILL_UNFILLED
            assert result.reject is expected
            return
        if not fill_or_kill:
            assert result.ok
            return
        fillable, cost = 0, 0
        for order_id in crossing:
            _, price, remaining, owner = before[order_id]
            if owner == order.owner:
                if order.stp is SelfTradePrevention.MAKER:
                    continue
                break
            take = min(count - fillable, remaining)
            fillable += take
            cost += notional(order.side is Side.BID, price, take)
        ok = fillable == count and (order.max_cost is None or cost <= order.max_cost)
        if ok:
            assert result.ok
        else:
            assert result.reject is (
                RejectCode.FILL_OR_KILL_UNFILLED if order.max_cost is None else RejectCode.MAX_COST_EXCEEDED
            )

    def check_levels(self, result) -> None:
        """Level deltas applied to a shadow book of aggregated sizes reproduce the snapshot."""
        seen = set()
        for change in result.levels:
            key = (change.side, change.price)
            assert key not in seen and change.delta != 0, "one net delta per level"
            seen.add(key)
            self.shadow[key] += change.delta
            assert self.shadow[key] >= 0
            if self.shadow[key] == 0:
                del self.shadow[key]
        snapshot = {(side, p): size for side, levels in self.book.snapshot().items() for p, size in levels}
        assert dict(self.shadow) == snapshot

    def check_fills(self, fn, args, result, queues, before) -> None:
        """Executions: at the maker's resting price, within the taker's limit, best price then FIFO."""
        if not result.fills:
            return
        taker = args[1]
        assert fn in (submit, amend)
        opposite = taker.side.opposite
        stp_canceled = {c.order_id for c in result.canceled if c.order_id != taker.order_id}
        rank = {}  # maker id -> (level rank, place in queue)
        opposite_prices = sorted(p for s, p in queues if s is opposite)
        if opposite is Side.BID:
            opposite_prices.reverse()
        for level_rank, price in enumerate(opposite_prices):
            for place, order_id in enumerate(queues[(opposite, price)]):
                rank[order_id] = (level_rank, place)
        order_of_touch = []
        for fill in result.fills:
            side, price, _, owner = before[fill.maker_order_id]
            assert side is opposite and fill.taker_side is taker.side
            assert fill.taker_order_id == taker.order_id and fill.taker_owner == taker.owner
            assert fill.price == price, "executes at the resting order's price"
            assert fill.price <= taker.price if taker.side is Side.BID else fill.price >= taker.price
            assert fill.maker_owner == owner != taker.owner, "no self-trade"
            assert fill.count > 0
            assert notional(True, fill.price, fill.count) + notional(False, fill.price, fill.count) == (
                fill.count * ONE_DOLLAR // 100
            )
            order_of_touch.append(rank[fill.maker_order_id])
        assert order_of_touch == sorted(order_of_touch) and len(set(order_of_touch)) == len(order_of_touch)
        # What was touched (filled or removed by STP maker) is a prefix of the opposite side in priority
        # order, and everything but the last touched order is gone.
        touched = sorted(rank[i] for i in {f.maker_order_id for f in result.fills} | stp_canceled)
        everything = sorted(rank.values())
        assert touched == everything[: len(touched)]
        by_rank = {r: i for i, r in rank.items()}
        for r in touched[:-1]:
            assert by_rank[r] not in self.book, "FIFO: an order was skipped while partly filled"

    def check_accounts(self, fn, args, result, before) -> None:
        """Contracts are conserved: per order, filled + resting + canceled == submitted."""
        subject = result.order_id
        if fn is submit:
            order = args[1]
            effective = order.count
            if order.reduce_only:
                effective = min(effective, reduce_only_cap(order.side, self.positions[order.owner]))
            self.accounts[subject] = Account(submitted=effective)
            assert (
                result.filled + result.resting + sum(c.count for c in result.canceled if c.order_id == subject)
                == effective
            )
            if order.tif is not TimeInForce.GTC:
                assert subject not in self.book, "IOC/FOK never rest"
            if order.tif is TimeInForce.FOK or order.max_cost is not None:
                assert result.status is OrderStatus.EXECUTED
            if order.max_cost is not None:
                cost = sum(notional(order.side is Side.BID, f.price, f.count) for f in result.fills)
                assert cost <= order.max_cost
            if order.post_only:
                assert result.fills == ()
        elif fn is amend:
            self.accounts[subject].submitted += args[1].count - before[subject][2]
        elif fn is decrease and result.status is OrderStatus.RESTING:
            self.accounts[subject].submitted -= before[subject][2] - result.resting

        assert result.filled == sum(f.count for f in result.fills)
        for fill in result.fills:
            self.accounts[fill.maker_order_id].filled += fill.count
            self.accounts[fill.taker_order_id].filled += fill.count
            signed = fill.count if fill.taker_side is Side.BID else -fill.count
            self.positions[fill.taker_owner] += signed
            self.positions[fill.maker_owner] -= signed
        for c in result.canceled:
            self.accounts[c.order_id].canceled += c.count
            if c.order_id != subject:
                assert c.reason is CancelReason.SELF_TRADE and c.count == before[c.order_id][2]
        assert sum(self.positions.values()) == 0, "every contract bought was sold"

        status_resting = subject in self.book
        assert (result.status is OrderStatus.RESTING) == status_resting
        if status_resting:
            assert result.resting == self.book.get(subject).remaining
        for order_id, account in self.accounts.items():
            resting = self.book.get(order_id)
            left = resting.remaining if resting else 0
            assert account.filled + left + account.canceled == account.submitted, order_id


def replay(market, commands):
    harness = Harness(market)
    results = []
    for fn, rest, kw in commands:
        results.append(fn(harness.book, *rest, **kw))
    return harness.book, results


@SETTINGS
@given(STREAMS)
def test_random_streams_keep_the_book_consistent(stream):
    """After every command: uncrossed, FIFO, shadow levels match, fills legal, contracts conserved."""
    market, ops = stream
    Harness(market).run(ops)


@SETTINGS
@given(STREAMS)
def test_replay_is_deterministic(stream):
    """The same commands on a fresh book give the same results and the same state hash."""
    market, ops = stream
    harness = Harness(market)
    harness.run(ops)
    book, results = replay(market, harness.commands)
    assert results == harness.results
    assert book.state_hash() == harness.book.state_hash()
    assert book.snapshot() == harness.book.snapshot()


@SETTINGS
@given(STREAMS)
def test_rebuilding_from_level_deltas_matches_snapshot(stream):
    """A consumer that only sees level deltas (the market-data feed) rebuilds the exact book."""
    market, ops = stream
    harness = Harness(market)
    harness.run(ops)
    feed: dict[tuple[Side, int], int] = defaultdict(int)
    for result in harness.results:
        for change in result.levels:
            feed[(change.side, change.price)] += change.delta
    rebuilt = {
        side: sorted(((p, s) for (sd, p), s in feed.items() if sd is side and s), reverse=side is Side.BID)
        for side in Side
    }
    assert rebuilt == harness.book.snapshot()
