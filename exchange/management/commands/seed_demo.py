"""Create the demo catalog, users, funded accounts and API keys. Safe to run again: it only adds
what is missing, and never resets balances or keys that exist."""

import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from exchange.engine.units import ONE_DOLLAR
from exchange.management.commands.create_api_key import write_private_key
from exchange.models import ApiKey, Event, Market, Series
from exchange.services import account_fund, market_open
from exchange.services.api_keys import api_key_generate

# (series, title, category, fee_type, event ticker, market ticker, market title, days until close)
CATALOG = [
    ("INXD", "S&P 500 daily range", "Financials", "quadratic", "INXD-23DEC29", "INXD-23DEC29-B5000",
     "Will the S&P 500 close between 4975 and 5024.99?", 30),
    ("BTCZ", "Bitcoin price at year end", "Crypto", "quadratic", "BTCZ-23DEC31", "BTCZ-23DEC31-B50000",
     "Will Bitcoin be above $50,000 at year end?", 60),
    ("TRUMPWIN", "Presidential election winner", "Politics", "quadratic", "TRUMPWIN-24NOV05", "TRUMPWIN-24NOV05",
     "Will Trump win the presidential election?", 90),
    ("DUMMY", "Test market", "Other", "quadratic_with_maker_fees", "DUMMY", "DUMMY_TEST",
     "Dummy market for testing", 365),
    ("MM", "Market maker playground", "Other", "quadratic", "MM", "MARKET_MAKER",
     "A market quoted continuously by the market maker", 365),
]

# username, staff/superuser, starting balance in dollars
USERS = [
    ("trader", False, 10_000),
    ("trader2", False, 10_000),
    ("marketmaker", False, 1_000_000),
    ("admin", True, 0),
]


class Command(BaseCommand):
    help = "Seed demo series, events, markets, users, balances and API keys (idempotent)."

    def handle(self, *args, **options):
        self._catalog()
        demo_dir = settings.VAR_DIR / "demo"
        demo_dir.mkdir(parents=True, exist_ok=True)
        index_path = demo_dir / "credentials.json"
        index = json.loads(index_path.read_text()) if index_path.exists() else {}
        for username, is_admin, dollars in USERS:
            index[username] = self._user(username, is_admin, dollars, index.get(username, {}), demo_dir)
        index_path.write_text(json.dumps(index, indent=2))
        index_path.chmod(0o600)
        self.stdout.write(f"Demo users (throwaway credentials generated on this machine, in {index_path}):")
        for username, entry in index.items():
            self.stdout.write(f"  {username:12} password {entry['password']}  key id {entry['key_id']}"
                              f"  private key {entry['private_key']}")

    @transaction.atomic
    def _catalog(self) -> None:
        now = timezone.now()
        for series_t, s_title, category, fee_type, event_t, market_t, m_title, days in CATALOG:
            series, _ = Series.objects.get_or_create(ticker=series_t, defaults=dict(
                title=s_title, category=category, fee_type=fee_type, frequency="custom", tags=[category],
                settlement_sources=[{"name": "Simulator", "url": "http://127.0.0.1:8000/"}]))
            event, _ = Event.objects.get_or_create(event_ticker=event_t, defaults=dict(
                series=series, title=m_title, category=category, sub_title=s_title))
            close = now + timedelta(days=days)
            market, created = Market.objects.get_or_create(ticker=market_t, defaults=dict(
                event=event, title=m_title, yes_sub_title="Yes", no_sub_title="No",
                rules_primary=f"Resolves Yes if: {m_title}", open_time=now, close_time=close,
                expiration_time=close + timedelta(days=1)))
            if market.status == Market.Status.INITIALIZED:
                market_open(ticker=market.ticker)

    def _user(self, username: str, is_admin: bool, dollars: int, known: dict, demo_dir) -> dict:
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        password = known.get("password")
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username=username, password=password, is_staff=is_admin,
                                            is_superuser=is_admin, email=f"{username}@example.invalid")
            if dollars:
                account_fund(user=user, amount=dollars * ONE_DOLLAR)
        key_path = known.get("private_key")
        key_id = known.get("key_id")
        if not (key_id and key_path and ApiKey.objects.filter(key_id=key_id, user=user).exists()):
            key, private_pem = api_key_generate(user=user, name=f"{username} demo key")
            key_id, key_path = str(key.key_id), str(demo_dir / f"{username}.pem")
            write_private_key(demo_dir / f"{username}.pem", private_pem)
        return {"password": password or "(set before this file existed)", "key_id": key_id, "private_key": key_path}
