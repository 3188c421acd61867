"""Submitting commands: to the engine process when settings.ENGINE_URL names one, else to this
process's sequencer (`local_execute`, `local_execute_many`, `local_aexecute`; `runengine` serves these).

In the inline mode (and whenever the caller is inside a transaction of its own, whose uncommitted
rows the sequencer's connection could not see) a command runs in the caller's thread, under the
sequencer's lock. Otherwise it is queued to the sequencer's thread, which commits whatever has
queued up meanwhile in one batch.
"""

import asyncio
import os
import threading
import time
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection

from exchange.sequencer.sequencer import Command, Sequencer
from exchange.sequencer.transport import RemoteEngine
from exchange.services.errors import ExchangeError

_sequencer = Sequencer()

# Commands of the engine itself rather than of a service: they read nothing and write nothing.
ENGINE_COMMANDS = {"ping": time.time_ns}  # the engine's clock: a round trip and nothing else


def local_sequencer() -> Sequencer:
    return _sequencer


def _inline() -> bool:
    return settings.ENGINE_MODE == "inline" or connection.in_atomic_block


def _outcome(future) -> Any:
    result = future.result()
    if isinstance(result, ExchangeError):  # refused, but its record committed (a killed FOK)
        raise result
    return result


def local_execute(name: str, /, **kwargs: Any) -> Any:
    """Run one command; returns its result once committed, or raises its refusal."""
    if name in ENGINE_COMMANDS:
        return ENGINE_COMMANDS[name](**kwargs)
    command = Command(name, kwargs)
    if _inline():
        _sequencer.run([command])
    else:
        _sequencer.submit(command)
    return _outcome(command.future)


def local_execute_many(commands: list[tuple[str, dict]]) -> list[Any]:
    """Run several commands together (order entry shares one commit); each result or refusal in order."""
    pending = [Command(name, kwargs) for name, kwargs in commands]
    if _inline():
        _sequencer.run(pending)
    else:
        for command in pending:
            _sequencer.submit(command)
    return _outcomes(pending)


def _outcomes(pending: list[Command]) -> list[Any]:
    results: list[Any] = []
    for command in pending:
        try:
            results.append(_outcome(command.future))
        except ExchangeError as error:
            results.append(error)
    return results


async def local_aexecute(name: str, /, **kwargs: Any) -> Any:
    if name in ENGINE_COMMANDS:
        return ENGINE_COMMANDS[name](**kwargs)
    if settings.ENGINE_MODE == "inline":
        return await sync_to_async(local_execute)(name, **kwargs)
    command = Command(name, kwargs)
    await asyncio.wrap_future(_sequencer.submit(command))
    return _outcome(command.future)


async def local_aexecute_many(commands: list[tuple[str, dict]]) -> list[Any]:
    if settings.ENGINE_MODE == "inline":
        return await sync_to_async(local_execute_many)(commands)
    pending = [Command(name, kwargs) for name, kwargs in commands]
    if pending:  # all submitted before any is awaited, so that they can share a batch
        await asyncio.wait([asyncio.wrap_future(_sequencer.submit(command)) for command in pending])
    return _outcomes(pending)


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
