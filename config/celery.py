"""The Celery application. Workers start with `celery -A config worker`."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import setup_logging, worker_process_init

from config.runtime import freeze_startup_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("feedloop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _freeze_worker_start_up(**_: object) -> None:
    freeze_startup_objects()


@setup_logging.connect
def _log_as_the_web_processes_do(**_: object) -> None:
    """Workers keep Django's LOGGING (JSON lines with request ids) rather than Celery's
    own format: with a receiver on this signal, Celery leaves logging alone."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
