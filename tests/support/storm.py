"""Random order flow from its own process, through the same services as every entry point:

    python -m tests.support.storm SEED ORDERS USER_PREFIX TICKER...

Places GTC and IOC orders around 50¢ (so many cross) and cancels some of its resting ones; refusals
are part of the flow. Needs DATABASE_URL (the test database).
"""

import random
import sys


def storm(seed: int, orders: int, user_prefix: str, tickers: list[str]) -> None:
    from django.contrib.auth import get_user_model

    from exchange import services
    from exchange.models import Order
    from exchange.services import ExchangeError, OrderRequest

    rng = random.Random(seed)
    users = list(get_user_model().objects.filter(username__startswith=user_prefix))
    for _ in range(orders):
        user, ticker = rng.choice(users), rng.choice(tickers)
        try:
            if rng.random() < 0.2:
                mine = list(Order.objects.filter(user=user, status="resting", market__ticker=ticker)
                            .values_list("id", flat=True)[:5])
                if mine:
                    services.order_cancel(user=user, order_id=str(rng.choice(mine)))
                    continue
            side, action = rng.choice(["yes", "no"]), rng.choice(["buy", "sell"])
            cents = rng.randint(45, 55)
            yes_price = cents * 100 if side == "yes" else 10_000 - cents * 100
            tif = rng.choice(["good_till_canceled"] * 3 + ["immediate_or_cancel"])
            services.order_create(user=user, request=OrderRequest(
                ticker=ticker, side=side, action=action, yes_price=yes_price, count=rng.randint(1, 5) * 100,
                time_in_force=tif))
        except ExchangeError:
            pass


if __name__ == "__main__":
    import django

    django.setup()
    storm(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:])
