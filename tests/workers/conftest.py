"""Real Celery workers on Redis, started by the test session (not eager).

The session's workers consume only their own queues: the default queue named per
session (`feedloop-test-<random>`) and its kinds' queues beside it
(`feedloop-test-<random>.exports`, ...; config.queues). Another Feedloop worker on the
same Redis database never takes this session's tasks, and this session never takes (or
deletes) theirs. Nothing is flushed: only these queues' keys are deleted, before and
after each test.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.db import connection

from config.celery import app as celery_app
from config.queues import queue_names

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("FEEDLOOP_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
QUEUE = f"feedloop-test-{uuid.uuid4().hex[:12]}"
QUEUES = queue_names(QUEUE)
_worker_numbers = itertools.count(1)
_worker_names: list[str] = []

StartWorker = Callable[..., subprocess.Popen]


def forget_queue() -> None:
    """Delete this session's queues from Redis: their lists (one per priority step),
    their exchange bindings, and their messages held unacknowledged by a worker that
    died. Other queues' keys are left alone."""
    client = redis.Redis.from_url(BROKER)
    keys = [*client.scan_iter(match=f"{QUEUE}*"), *(f"_kombu.binding.{name}" for name in QUEUES)]
    client.delete(*keys)
    for tag, raw in client.hscan_iter("unacked"):
        try:
            _, exchange, routing_key = json.loads(raw)
        except (ValueError, TypeError):
            continue
        if exchange in QUEUES or routing_key in QUEUES:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


@contextmanager
def broker_at(url: str, *, queue: str = QUEUE) -> Iterator[None]:
    """Send this process's tasks to `url` (to `queue` and its kinds' queues) for the
    duration. The app may already be configured (eager) and holds connection pools:
    every URL is pointed at `url` and the pools are dropped, so the next task really
    goes there."""
    keys = ("broker_url", "broker_read_url", "broker_write_url", "task_always_eager", "task_default_queue")
    previous = {key: celery_app.conf[key] for key in keys}

    def reset_pools() -> None:
        # kombu keeps one pool per broker URL: the app just forgets the one it used.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    celery_app.conf.update(
        broker_url=url, broker_read_url=url, broker_write_url=url, task_always_eager=False, task_default_queue=queue
    )
    reset_pools()
    try:
        yield
    finally:
        celery_app.conf.update(**previous)
        reset_pools()


@pytest.fixture
def start_worker(transactional_db, tmp_path, settings) -> Iterator[StartWorker]:
    """Start worker processes on the test database and this session's queues; tasks sent
    from the test go to them through Redis. A worker takes every kind of task unless
    given `queues` (full names, e.g. `kind_queue(QUEUE, "webhooks")`); with `beat` it
    runs Celery beat too (-B), which sends the scheduled sweeps; with `entrypoint` it is
    started through the image's entrypoint (`scripts/entrypoint worker`). Every worker still
    alive is stopped after the test."""
    forget_queue()
    settings.MEDIA_ROOT = tmp_path
    database = settings.DATABASES["default"]
    workers: list[subprocess.Popen] = []

    def start(
        *, queues: Sequence[str] = (), beat: bool = False, entrypoint: bool = False, **extra_env: str
    ) -> subprocess.Popen:
        name = f"w{next(_worker_numbers)}.{QUEUE}@tests"
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "CELERY_BROKER_URL": BROKER,
            "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
            "FEEDLOOP_STORAGE_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # Webhook retries after 1 s, 2 s and 1 s rather than minutes.
            "FEEDLOOP_WEBHOOK_RETRY_DELAYS": "1,2,1",
            "FEEDLOOP_WEBHOOK_TIMEOUT_SECONDS": "2",
            # Webhooks go to receivers on 127.0.0.1, which the SSRF guard refuses by default.
            "FEEDLOOP_OUTBOUND_ALLOW_PRIVATE": "1",
            # The entrypoint finds celery on PATH, as in the image: this virtualenv's first.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            **extra_env,
        }
        log = tmp_path / f"{name.split('.')[0]}.log"
        worker = subprocess.Popen(
            [
                # The image's `worker` role (scripts/entrypoint), or celery itself.
                *([str(ROOT / "scripts" / "entrypoint"), "worker"] if entrypoint else [sys.executable, "-m", "celery"]),
                *([] if entrypoint else ["-A", "config", "worker"]),
                "--pool=solo",
                "--loglevel=WARNING",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                *(["-Q", ",".join(queues)] if queues else []),
                *(["-B", "--schedule", str(tmp_path / f"{name.split('.')[0]}-beat")] if beat else []),
                "-n",
                name,
            ],
            cwd=ROOT,
            env=env,
            # A file, not a pipe: a full pipe would block the worker.
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        workers.append(worker)
        _worker_names.append(name)
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[name], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{log.read_text()}")
        return worker

    with broker_at(BROKER):
        try:
            yield start
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.terminate()
            for worker in workers:
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
            _worker_names.clear()
            forget_queue()
            connection.close()


@pytest.fixture
def celery_worker(start_worker) -> subprocess.Popen:
    """One worker process on the test database, taking every kind of task from this
    session's queues."""
    return start_worker()


def kill(worker: subprocess.Popen) -> None:
    """SIGKILL: the worker dies on the spot, as on an out-of-memory kill or a lost host."""
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=20)


def drained() -> bool:
    """No task waits in this session's queues and none is running on its workers."""
    client = redis.Redis.from_url(BROKER)
    if any(client.llen(name) for name in QUEUES):
        return False
    if not _worker_names:
        return True
    active = celery_app.control.inspect(destination=list(_worker_names), timeout=0.5).active() or {}
    return not any(active.values())


def wait_for(predicate, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the worker")
        time.sleep(0.2)


__all__ = ["QUEUE", "QUEUES", "broker_at", "celery_worker", "drained", "kill", "start_worker", "wait_for"]
