"""Data frames around shared `msg` bodies: every subscriber of a process gets the same public event, so
its body is rendered to JSON once and each subscriber's frame is only the envelope (type, sid, seq)."""

import json
from collections import OrderedDict
from collections.abc import Callable, Hashable


def dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"))


class BodyCache:
    """The JSON text of recently rendered bodies, keyed by what determines them: the event (id and
    timestamp), the channel and the rendering options, or the rendering's arguments themselves."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self._bodies: OrderedDict[Hashable, str] = OrderedDict()

    def get(self, key: Hashable, render: Callable[..., dict], *args) -> str:
        """The JSON text of `render(*args)`, rendered on the first request for `key`."""
        body = self._bodies.get(key)
        if body is None:
            body = self._bodies[key] = dumps(render(*args))
            if len(self._bodies) > self.size:
                self._bodies.popitem(last=False)
        else:
            self._bodies.move_to_end(key)
        return body


def data_frame(msg_type: str, sid: int, seq: int, body: str, cmd_id: int | None = None) -> str:
    """The text of `{"type", "sid", "seq", "msg"[, "id"]}` with `body` already JSON; `msg_type` is a plain word."""
    frame = f'{{"type":"{msg_type}","sid":{sid},"seq":{seq},"msg":{body}'
    return f'{frame},"id":{cmd_id}}}' if cmd_id else frame + "}"


# Consumers of one process share one event loop, so one cache per process needs no lock.
bodies = BodyCache()
