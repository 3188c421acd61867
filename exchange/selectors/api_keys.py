"""A user's API keys, for the REST API's key list and the API keys page."""

from django.contrib.auth.models import AbstractBaseUser

from exchange.models import ApiKey


def api_keys_of(user: AbstractBaseUser) -> list[ApiKey]:
    """The user's keys, oldest first."""
    return list(ApiKey.objects.filter(user=user).order_by("created_at"))
