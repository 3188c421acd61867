"""Submitting commands: to the engine process when settings.ENGINE_URL names one, else in this process.

`local_execute`, `local_execute_many` and `local_aexecute` run a command here (each in the caller's
thread until the sequencer lands); `runengine` serves them to other processes.
"""

import os
import threading
import time
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import close_old_connections

from exchange.sequencer.transport import RemoteEngine
from exchange.services.errors import ExchangeError

# Commands of the engine itself rather than of a service: they read nothing and write nothing.
ENGINE_COMMANDS = {"ping": time.time_ns}  # the engine's clock: a round trip and nothing else


def _run(name: str, kwargs: dict) -> Any:
    from exchange import services

    if name in ENGINE_COMMANDS:
        return ENGINE_COMMANDS[name](**kwargs)
    kwargs = dict(kwargs)
    if "user_id" in kwargs:
        user_id = kwargs.pop("user_id")
        kwargs["user"] = None if user_id is None else get_user_model().objects.get(pk=user_id)
    return getattr(services, name)(**kwargs)


def local_execute(name: str, /, **kwargs: Any) -> Any:
    return _run(name, kwargs)


def local_execute_many(commands: list[tuple[str, dict]]) -> list[Any]:
    results: list[Any] = []
    for name, kwargs in commands:
        try:
            results.append(_run(name, kwargs))
        except ExchangeError as error:
            results.append(error)
    return results


def _in_worker(function, *args: Any) -> Any:
    """Run in a pool thread that belongs to no request, so its database connection is returned after."""
    close_old_connections()
    try:
        return function(*args)
    finally:
        close_old_connections()


async def local_aexecute(name: str, /, **kwargs: Any) -> Any:
    if name in ENGINE_COMMANDS:
        return _run(name, kwargs)
    return await sync_to_async(_in_worker, thread_sensitive=False)(_run, name, kwargs)


async def local_aexecute_many(commands: list[tuple[str, dict]]) -> list[Any]:
    return await sync_to_async(_in_worker, thread_sensitive=False)(local_execute_many, commands)


_remote_lock = threading.Lock()
_remote: tuple[tuple, RemoteEngine] | None = None


def remote_engine() -> RemoteEngine | None:
    """The client of settings.ENGINE_URL's engine, or None to run commands here. One per process (a
    forked worker makes its own) and per URL and secret (settings can change under tests)."""
    global _remote
    if not settings.ENGINE_URL:
        return None
    key = (settings.ENGINE_URL, settings.SECRET_KEY, settings.ENGINE_TIMEOUT_S, os.getpid())
    with _remote_lock:
        if _remote is None or _remote[0] != key:
            if _remote is not None and _remote[0][-1] == key[-1]:
                _remote[1].close()
            _remote = (key, RemoteEngine(settings.ENGINE_URL, secret=settings.SECRET_KEY,
                                         timeout=settings.ENGINE_TIMEOUT_S))
        return _remote[1]


def execute(name: str, /, **kwargs: Any) -> Any:
    remote = remote_engine()
    return remote.execute(name, **kwargs) if remote else local_execute(name, **kwargs)


def execute_many(commands: list[tuple[str, dict]]) -> list[Any]:
    remote = remote_engine()
    return remote.execute_many(commands) if remote else local_execute_many(commands)


async def aexecute(name: str, /, **kwargs: Any) -> Any:
    remote = remote_engine()
    return await (remote.aexecute(name, **kwargs) if remote else local_aexecute(name, **kwargs))
