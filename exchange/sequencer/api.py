"""Submitting commands to this process's sequencer.

In the inline mode (and whenever the caller is inside a transaction of its own, whose uncommitted
rows the sequencer's connection could not see) a command runs in the caller's thread, under the
sequencer's lock. Otherwise it is queued to the sequencer's thread, which commits whatever has
queued up meanwhile in one batch.
"""

import asyncio
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection

from exchange.sequencer.sequencer import Command, Sequencer
from exchange.services.errors import ExchangeError

_sequencer = Sequencer()


def local_sequencer() -> Sequencer:
    return _sequencer


def _inline() -> bool:
    return settings.ENGINE_MODE == "inline" or connection.in_atomic_block


def _outcome(future) -> Any:
    result = future.result()
    if isinstance(result, ExchangeError):  # refused, but its record committed (a killed FOK)
        raise result
    return result


def execute(name: str, /, **kwargs: Any) -> Any:
    """Run one command; returns its result once committed, or raises its refusal."""
    command = Command(name, kwargs)
    if _inline():
        _sequencer.run([command])
    else:
        _sequencer.submit(command)
    return _outcome(command.future)


def execute_many(commands: list[tuple[str, dict]]) -> list[Any]:
    """Run several commands together (order entry shares one commit); each result or refusal in order."""
    pending = [Command(name, kwargs) for name, kwargs in commands]
    if _inline():
        _sequencer.run(pending)
    else:
        for command in pending:
            _sequencer.submit(command)
    results: list[Any] = []
    for command in pending:
        try:
            results.append(_outcome(command.future))
        except ExchangeError as error:
            results.append(error)
    return results


async def aexecute(name: str, /, **kwargs: Any) -> Any:
    if settings.ENGINE_MODE == "inline":
        return await sync_to_async(execute)(name, **kwargs)
    command = Command(name, kwargs)
    await asyncio.wrap_future(_sequencer.submit(command))
    return _outcome(command.future)
