"""The embedded scheduler: runs the CELERY_BEAT_SCHEDULE tasks (market maker and market clock) in a
thread of `manage.py runsim`, calling the same task functions that beat sends to a worker."""

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connections

from kalshi_site.celery import app

log = logging.getLogger(__name__)


def run(stop: threading.Event) -> None:
    """Run each beat entry at its period until `stop` is set."""
    app.loader.import_default_modules()
    entries = [(name, app.tasks[entry["task"]], float(entry["schedule"]))
               for name, entry in settings.CELERY_BEAT_SCHEDULE.items()]
    next_run = {name: time.monotonic() for name, _, _ in entries}
    try:
        while not stop.is_set():
            for name, task, period in entries:
                if time.monotonic() < next_run[name] or stop.is_set():
                    continue
                try:
                    task()
                except Exception:  # one failed run must not stop the scheduler; the next run retries
                    log.exception("embedded %s failed", name)
                    close_old_connections()
                next_run[name] = max(next_run[name] + period, time.monotonic())
            stop.wait(max(0.0, min(next_run.values()) - time.monotonic()))
    finally:
        connections.close_all()
