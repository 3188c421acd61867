"""What the acceptor takes from the Kalshi FIX Dictionary v1.03: message types and required tags."""

ADMIN_TYPES = frozenset({"0", "1", "2", "3", "4", "5", "A"})

# Application messages clients send that the acceptor serves (others get BusinessMessageReject).
ORDER_ENTRY_TYPES = frozenset({"D", "F", "G", "q"})
DROP_COPY_TYPES = frozenset({"U1"})
APP_TYPES = ORDER_ENTRY_TYPES | DROP_COPY_TYPES

# Required body tags per inbound message type (header tags are checked by the session).
REQUIRED_TAGS: dict[str, tuple[int, ...]] = {
    "1": (112,),
    "2": (7, 16),
    "4": (36,),
    "D": (11, 38, 40, 44, 54, 55),
    "F": (11, 41, 54, 55),
    "G": (11, 41, 38, 40, 54, 55),
    "q": (11, 530),
    "U1": (21001,),
}
