"""A real Celery worker on Redis, started by the test session (not eager)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("FEEDLOOP_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def celery_worker(transactional_db, tmp_path, settings) -> Iterator[subprocess.Popen]:
    """A worker process on the test database; tasks sent from here go through Redis."""
    redis.Redis.from_url(BROKER).flushdb()
    settings.MEDIA_ROOT = tmp_path
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "FEEDLOOP_STORAGE_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # Webhook retries after 1 s, 2 s and 1 s rather than minutes.
        "FEEDLOOP_WEBHOOK_RETRY_DELAYS": "1,2,1",
        "FEEDLOOP_WEBHOOK_TIMEOUT_SECONDS": "2",
    }
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        # A file, not a pipe: a full pipe would block the worker.
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    keys = ("broker_url", "broker_read_url", "broker_write_url", "task_always_eager")
    previous = {key: celery_app.conf[key] for key in keys}
    # The app may already be configured (eager) in this process: point every URL at Redis.
    celery_app.conf.update(broker_url=BROKER, broker_read_url=BROKER, broker_write_url=BROKER, task_always_eager=False)
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{log.read_text()}")
        yield worker
    finally:
        celery_app.conf.update(**previous)
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        connection.close()


def drained() -> bool:
    """No task waits in the queue and none is running."""
    if redis.Redis.from_url(BROKER).llen("celery"):
        return False
    active = celery_app.control.inspect(timeout=0.5).active() or {}
    return not any(active.values())


def wait_for(predicate, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the worker")
        time.sleep(0.2)


__all__ = ["celery_worker", "drained", "wait_for"]
