"""A task sent while serving a request logs, on a real worker, with that request's id;
the queue depths Prometheus scrapes are the Redis queues' lengths."""

from __future__ import annotations

import json
import uuid

from django.test import Client
from rest_framework.test import APIClient

from accounts.api_keys import api_key_create
from config.celery import app as celery_app
from feedback.models import ExportJob, JobStatus
from feedback.services.exports import RUN_EXPORT_TASK
from tests.builders import add_records, comparison_dataset
from tests.config.test_prometheus import TOKEN, samples
from tests.workers.conftest import QUEUE, forget_queue, wait_for


def worker_lines(log) -> list[dict]:
    """The worker's JSON log lines (its output may hold other lines too)."""
    lines = []
    for line in log.read_text().splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def test_a_task_sent_in_a_request_logs_with_the_request_id_on_the_worker(people, start_worker, tmp_path):
    start_worker(FEEDLOOP_LOG_FORMAT="json", DJANGO_LOG_LEVEL="INFO")
    dataset = comparison_dataset(people.workspace_a)
    add_records(dataset, 3)
    client = APIClient()
    client.credentials(HTTP_X_ARGILLA_API_KEY=api_key_create(user=people.admin_a, name="test")[1])
    started = client.post(
        f"/api/v1/datasets/{dataset.pk}/exports", {"layout": "raw"}, format="json", HTTP_X_REQUEST_ID="export-42"
    )
    assert started.status_code == 202, started.json()
    assert started["X-Request-ID"] == "export-42"
    job = ExportJob.objects.get(pk=started.json()["id"])

    def finished() -> bool:
        job.refresh_from_db()
        return job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    wait_for(finished)
    assert job.status == JobStatus.SUCCEEDED, job.error
    (log,) = tmp_path.glob("w*.log")  # the one worker's output
    task_lines = [line for line in worker_lines(log) if line.get("task") == RUN_EXPORT_TASK]
    ends = [line for line in task_lines if line.get("state")]
    assert ends and ends[-1]["state"] == "SUCCESS", task_lines
    assert {line["request_id"] for line in task_lines} == {"export-42"}


def test_queue_depths_are_read_from_redis(start_worker, settings):
    # No worker started: the tasks wait in their queues (start_worker points this
    # process's tasks at the session's queues).
    settings.FEEDLOOP_METRICS_TOKEN = TOKEN
    for _ in range(2):
        celery_app.send_task(RUN_EXPORT_TASK, args=[str(uuid.uuid4())])
    try:
        answer = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    finally:
        forget_queue()
    assert answer.status_code == 200
    depths = {
        dict(labels)["queue"]: value
        for (name, labels), value in samples(answer.content.decode()).items()
        if name == "feedloop_queue_depth"
    }
    assert depths == {
        QUEUE: 0,
        f"{QUEUE}.imports": 0,
        f"{QUEUE}.exports": 2,
        f"{QUEUE}.metrics": 0,
        f"{QUEUE}.webhooks": 0,
    }
