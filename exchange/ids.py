"""Random ids for new orders, trades and fills.

uuid4 reads the OS's random source for every id, which costs more than matching an order; these are
version-4 UUIDs drawn from a generator seeded from it once per process (and again after a fork).
"""

import os
import random
import uuid

_rng = random.Random(os.urandom(32))


def _reseed() -> None:
    _rng.seed(os.urandom(32))


os.register_at_fork(after_in_child=_reseed)


def new_id() -> uuid.UUID:
    return uuid.UUID(int=_rng.getrandbits(128), version=4)
