"""A job started while the broker is unreachable: the caller gets its usual JSON
answer, the job row is kept as `queued`, and the beat-scheduled sweep hands it to a
worker once the broker is back (here the sweep task itself runs on the real worker)."""

from __future__ import annotations

import io
import json

from django.test import Client
from rest_framework.test import APIClient

from accounts.api_keys import api_key_create
from config.celery import app as celery_app
from feedback.models import ExportJob, ImportJob, JobStatus, Record
from tests.builders import add_records, comparison_dataset
from tests.workers.conftest import broker_at, wait_for

UNREACHABLE = "redis://127.0.0.1:1/0"
SWEEP_TASK = "feedback.tasks.sweep_jobs"


def api_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_ARGILLA_API_KEY=api_key_create(user=user, name="test")[1])
    return client


def finished(job: ExportJob | ImportJob) -> bool:
    job.refresh_from_db()
    return job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


def test_an_export_started_while_the_broker_is_down_is_answered_and_later_delivered(people, start_worker):
    dataset = comparison_dataset(people.workspace_a)
    add_records(dataset, 4)
    client = api_client(people.admin_a)

    with broker_at(UNREACHABLE):
        answer = client.post(
            f"/api/v1/datasets/{dataset.pk}/exports", {"layout": "raw", "format": "jsonl"}, format="json"
        )

    assert answer.status_code == 202, answer.content
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["status"] == "queued"
    job = ExportJob.objects.get(pk=answer.json()["id"])
    assert job.status == JobStatus.QUEUED

    # The broker is back; the worker runs the sweep (no grace period here) and then the job.
    start_worker(FEEDLOOP_JOB_QUEUE_GRACE="0")
    celery_app.send_task(SWEEP_TASK)
    wait_for(lambda: finished(job))
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.counts["records"] == 4


def test_an_import_started_while_the_broker_is_down_is_answered_and_later_delivered(people, start_worker):
    dataset = comparison_dataset(people.workspace_a)
    rows = [
        {"external_id": f"r-{n}", "prompt": f"p {n}", "response-1": "a", "response-2": "b", "response-3": "c"}
        for n in range(5)
    ]
    upload = io.BytesIO(b"".join(json.dumps(row).encode() + b"\n" for row in rows))
    upload.name = "rows.jsonl"
    client = api_client(people.admin_a)

    with broker_at(UNREACHABLE):
        answer = client.post(f"/api/v1/datasets/{dataset.pk}/imports", {"file": upload}, format="multipart")

    assert answer.status_code == 202, answer.content
    assert answer["Content-Type"] == "application/json"
    job = ImportJob.objects.get(pk=answer.json()["id"])
    assert job.status == JobStatus.QUEUED

    start_worker(FEEDLOOP_JOB_QUEUE_GRACE="0")
    celery_app.send_task(SWEEP_TASK)
    wait_for(lambda: finished(job))
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert Record.objects.filter(dataset=dataset).count() == 5


def test_an_export_started_from_the_admin_while_the_broker_is_down_is_kept(people, start_worker):
    dataset = comparison_dataset(people.workspace_a)
    add_records(dataset, 2)
    client = Client()
    client.force_login(people.admin_a)

    with broker_at(UNREACHABLE):
        answer = client.post(
            "/admin/feedback/dataset/", {"action": "export_raw", "_selected_action": [str(dataset.pk)]}
        )

    assert answer.status_code == 302
    job = ExportJob.objects.get(dataset=dataset)
    assert job.status == JobStatus.QUEUED

    start_worker(FEEDLOOP_JOB_QUEUE_GRACE="0")
    celery_app.send_task(SWEEP_TASK)
    wait_for(lambda: finished(job))
    assert job.status == JobStatus.SUCCEEDED, job.error
