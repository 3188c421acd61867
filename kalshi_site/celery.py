"""The Celery app: worker and beat run the market maker and the market clock in full deployment.

    celery -A kalshi_site worker -B      (REDIS_URL is the broker; the schedule is CELERY_BEAT_SCHEDULE)
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kalshi_site.settings")

app = Celery("kalshi_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
