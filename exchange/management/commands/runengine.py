"""Run the engine as its own process (full deployment): other processes submit commands over TCP.

The sequencer's thread starts with the first command, loading every market's resting orders first.
"""

import asyncio
import logging
import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from exchange.sequencer import api
from exchange.sequencer.transport import EngineServer, parse_url

log = logging.getLogger(__name__)
DEFAULT_PORT = 7070


class Command(BaseCommand):
    help = "Serve the engine's commands to the other processes (REST, FIX, Celery, pages) over TCP."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
        parser.add_argument("--port", type=int, help=f"port (default ENGINE_URL's, else {DEFAULT_PORT})")
        parser.add_argument("--grace", type=float, default=8.0,
                            help="seconds commands under way may take to finish at shutdown (default 8)")

    def handle(self, *args, host: str, port: int | None, grace: float, **options):
        if port is None:
            port = parse_url(settings.ENGINE_URL)[1] if settings.ENGINE_URL else DEFAULT_PORT
        # This process is the engine: whatever runs here must never submit to itself over the socket.
        settings.ENGINE_URL = ""
        api.local_sequencer().start()  # memory loads from the tables before the first command
        try:
            asyncio.run(self._serve(host, port, grace))
        finally:
            api.local_sequencer().stop()  # commits what is queued, then closes its connection
        self.stdout.write("engine stopped")

    async def _serve(self, host: str, port: int, grace: float) -> None:
        server = EngineServer(secret=settings.SECRET_KEY, run_one=api.local_aexecute,
                              run_many=api.local_aexecute_many, host=host, port=port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        bound_host, bound_port = await server.start()
        self.stdout.write(f"engine listening on tcp://{bound_host}:{bound_port}")
        self.stdout.flush()
        await stop.wait()
        log.info("engine stopping: finishing the commands under way")
        await server.close(grace=grace)
