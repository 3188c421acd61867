"""Accounts: funding and withdrawals (deposits are how money enters the simulator)."""

from django.utils import timezone

from exchange.engine.ledger import fund
from exchange.engine.rejects import RejectCode
from exchange.models import Account
from exchange.sequencer.batch import current_batch
from exchange.sequencer.memory import clone
from exchange.services.errors import ExchangeError


def account_fund(*, user_id: int, amount: int) -> Account:
    """Add `amount` ($0.0001) to the balance; a negative amount withdraws from what is available."""
    batch = current_batch()
    accounts = batch.lock_accounts([user_id])
    account = clone(accounts[user_id])
    if not fund(account, amount):
        raise ExchangeError(RejectCode.INSUFFICIENT_BALANCE, "cannot withdraw more than the available balance")
    account.updated_at = timezone.now()
    accounts[user_id] = account
    batch.stage_accounts([user_id])
    batch.write()
    return account
