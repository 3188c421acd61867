"""Submitting commands. (Runs each command in the caller's thread until the sequencer lands.)"""

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model

from exchange.services.errors import ExchangeError


def _run(name: str, kwargs: dict) -> Any:
    from exchange import services

    kwargs = dict(kwargs)
    if "user_id" in kwargs:
        user_id = kwargs.pop("user_id")
        kwargs["user"] = None if user_id is None else get_user_model().objects.get(pk=user_id)
    return getattr(services, name)(**kwargs)


def execute(name: str, /, **kwargs: Any) -> Any:
    return _run(name, kwargs)


def execute_many(commands: list[tuple[str, dict]]) -> list[Any]:
    results: list[Any] = []
    for name, kwargs in commands:
        try:
            results.append(_run(name, kwargs))
        except ExchangeError as error:
            results.append(error)
    return results


async def aexecute(name: str, /, **kwargs: Any) -> Any:
    return await sync_to_async(_run, thread_sensitive=False)(name, kwargs)
