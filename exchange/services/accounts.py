"""Accounts: funding and withdrawals (deposits are how money enters the simulator)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from exchange.engine.ledger import fund
from exchange.engine.rejects import RejectCode
from exchange.models import Account
from exchange.services.errors import ExchangeError


@transaction.atomic
def account_fund(*, user: AbstractBaseUser, amount: int) -> Account:
    """Add `amount` ($0.0001) to the balance; a negative amount withdraws from what is available."""
    Account.objects.get_or_create(user=user)
    account = Account.objects.select_for_update().get(user=user)
    if not fund(account, amount):
        raise ExchangeError(RejectCode.INSUFFICIENT_BALANCE, "cannot withdraw more than the available balance")
    account.save(update_fields=["balance", "updated_at"])
    return account
