"""The image's Celery roles (scripts/entrypoint worker, scripts/entrypoint beat), run on
this machine against Redis: the worker consumes every queue by kind and runs the tasks
sent to them; beat sends the periodic sweeps to the default queue."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import redis

from config.celery import app as celery_app
from feedback.models import JobStatus
from feedback.services.exports import export_create
from tests.builders import add_records, comparison_dataset
from tests.gunicorn_server import stop
from tests.workers.conftest import BROKER, QUEUE, QUEUES, ROOT, _worker_names, drained, forget_queue, wait_for


def test_worker_role_consumes_every_queue_and_runs_a_job(people, start_worker):
    start_worker(entrypoint=True)
    (name,) = _worker_names
    consumed = celery_app.control.inspect(destination=[name], timeout=5).active_queues()[name]
    assert sorted(queue["name"] for queue in consumed) == sorted(QUEUES)

    dataset = comparison_dataset(people.workspace_a)
    add_records(dataset, 3)
    export = export_create(dataset=dataset, user=people.admin_a, layout="raw")
    wait_for(drained)
    export.refresh_from_db()
    assert export.status == JobStatus.SUCCEEDED, export.error
    assert export.file  # the file was written


def test_beat_role_sends_the_sweeps_to_the_default_queue(tmp_path):
    forget_queue()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        "CELERY_BEAT_SCHEDULE_FILE": str(tmp_path / "schedule"),
        # Beat first sends an entry one interval after it starts.
        "FEEDLOOP_JOB_SWEEP_SECONDS": "1",
    }
    log = tmp_path / "beat.log"
    beat = subprocess.Popen(
        [str(ROOT / "scripts" / "entrypoint"), "beat"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    client = redis.Redis.from_url(BROKER)
    try:
        # Nothing consumes the queue: the sweeps beat sent stay there.
        wait_for(lambda: client.llen(QUEUE) >= 2 or beat.poll() is not None)
        assert beat.poll() is None, log.read_text()
    finally:
        stop(beat)
        forget_queue()
    # Its state went where it was told (the file's suffixes depend on Python's dbm module).
    assert list(tmp_path.glob("schedule*"))
    assert "Sending due task sweep-jobs (feedback.tasks.sweep_jobs)" in log.read_text()
