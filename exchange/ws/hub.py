"""The process's one subscription to each channel-layer group, shared by every feed connection in it.

With a network layer a group message is copied once per member channel and each copy is read back
separately, so 100 subscribers of one market in one process cost 100 copies per batch. Instead the
process joins each group once, on one channel, and hands every batch to the inboxes of the local
connections in that group; each connection dispatches its inbox in turn with its client's frames.
"""

import asyncio
import logging

log = logging.getLogger(__name__)

# Batches a connection may have waiting; past it the batch is dropped for that connection only (as the
# channel layer drops for a full channel): book gaps are refilled from the outbox on the next batch.
INBOX_CAPACITY = 5000


class Hub:
    """Group memberships of one channel layer on one event loop."""

    def __init__(self, layer, loop: asyncio.AbstractEventLoop) -> None:
        self.layer = layer
        self.loop = loop
        self.channel: str | None = None
        self.members: dict[str, set[asyncio.Queue]] = {}
        self.locks: dict[str, asyncio.Lock] = {}
        self.task: asyncio.Task | None = None

    async def join(self, group: str, inbox: asyncio.Queue) -> None:
        """Deliver `group`'s batches to `inbox` from now on (the layer membership is in place on return)."""
        async with self.locks.setdefault(group, asyncio.Lock()):
            if not self.members.get(group):
                await self.layer.group_add(group, await self._channel())
            self.members.setdefault(group, set()).add(inbox)

    async def leave(self, group: str, inbox: asyncio.Queue) -> None:
        async with self.locks.setdefault(group, asyncio.Lock()):
            members = self.members.get(group)
            if not members or inbox not in members:
                return
            members.discard(inbox)
            if not members:
                del self.members[group]
                await self.layer.group_discard(group, self.channel)

    async def _channel(self) -> str:
        if self.channel is None:
            self.channel = await self.layer.new_channel()
            self.task = self.loop.create_task(self._run())
        return self.channel

    async def _run(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # a lost connection to the layer: keep serving once it is back
                log.exception("channel layer receive failed")
                await asyncio.sleep(0.5)
                continue
            for inbox in list(self.members.get(message.get("group"), ())):
                if inbox.qsize() < INBOX_CAPACITY:
                    inbox.put_nowait(message)


_hub: Hub | None = None


def hub_for(layer) -> Hub:
    """This process's hub for `layer` on the running loop (a new one when either changed, as in tests)."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.layer is not layer or _hub.loop is not loop:
        if _hub is not None and _hub.task is not None and _hub.loop is loop:
            _hub.task.cancel()
        _hub = Hub(layer, loop)
    return _hub
