"""The sequencer: the one writer of order state. Every entry point submits commands here.

A command is a registered service name and keyword arguments (picklable: users are passed as
`user_id`). `execute` waits for the command's durable commit and returns its result or raises its
`ExchangeError`; `execute_many` submits several at once, so they share one commit, and returns each
one's result or refusal in order; `aexecute` is the same for asyncio callers. With settings.ENGINE_URL
they go to the engine process (`manage.py runengine`); `EngineUnavailable` says it could not answer.
"""

from exchange.sequencer.api import aexecute, execute, execute_many
from exchange.sequencer.transport import EngineUnavailable

__all__ = ["EngineUnavailable", "aexecute", "execute", "execute_many"]
