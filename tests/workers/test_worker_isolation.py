"""The test session's worker takes only the session's own tasks: a message another
Feedloop worker is waiting for on the same Redis database (in the queues of the default
queue `celery`) is neither taken nor deleted."""

from __future__ import annotations

import json
import uuid

import redis

from config.celery import app as celery_app
from config.queues import kind_queue
from feedback.models import ExportJob, JobStatus
from feedback.services.exports import RUN_EXPORT_TASK, export_create
from tests.builders import add_records, comparison_dataset
from tests.workers.conftest import BROKER, QUEUES, broker_at, wait_for


def finished(job: ExportJob) -> bool:
    job.refresh_from_db()
    return job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


def test_another_deployments_task_on_its_queues_is_left_alone(people, celery_worker):
    client = redis.Redis.from_url(BROKER)
    their_queue = kind_queue("celery", "exports")
    theirs = str(uuid.uuid4())
    with broker_at(BROKER, queue="celery"):  # what any other Feedloop worker consumes by default
        celery_app.send_task(RUN_EXPORT_TASK, args=[str(uuid.uuid4())], task_id=theirs)
    try:
        dataset = comparison_dataset(people.workspace_a)
        add_records(dataset, 3)
        job = export_create(dataset=dataset, user=people.admin_a, layout="raw")
        wait_for(lambda: finished(job))
        assert job.status == JobStatus.SUCCEEDED, job.error
        waiting = [raw for raw in client.lrange(their_queue, 0, -1) if json.loads(raw)["headers"]["id"] == theirs]
        assert len(waiting) == 1, "the session's worker took (or deleted) another worker's task"
        assert not any(client.llen(name) for name in QUEUES)
    finally:
        for raw in client.lrange(their_queue, 0, -1):
            if json.loads(raw)["headers"]["id"] == theirs:
                client.lrem(their_queue, 1, raw)
