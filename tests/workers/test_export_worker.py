"""Exports run by a real worker on Redis; a job that died half-way is run again cleanly."""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from config.celery import app as celery_app
from feedback.models import ExportJob, JobStatus
from feedback.services.exports import RUN_EXPORT_TASK, export_create
from feedback.services.responses import response_submit
from tests.builders import add_records, comparison_dataset, full_answer
from tests.workers.conftest import drained, wait_for


def finished(job: ExportJob) -> bool:
    job.refresh_from_db()
    return job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


def rows(job: ExportJob) -> list[dict]:
    with job.file.open("rb") as handle:
        return [json.loads(line) for line in handle.read().decode().splitlines()]


def test_an_export_runs_on_the_worker(people, celery_worker):
    dataset = comparison_dataset(people.workspace_a)
    records = add_records(dataset, 30)
    for record in records[:10]:
        response_submit(record=record, user=people.labeler_a1, values=full_answer())
    job = export_create(dataset=dataset, user=people.admin_a, layout="preference")
    wait_for(lambda: finished(job))
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.counts == {"records": 30, "responses": 10, "rows": 30, "dropped": 20, "ties": 0}
    assert len(rows(job)) == 30 and job.started_at and job.finished_at


def test_a_job_that_died_half_way_is_rerun_without_duplicates(people, celery_worker):
    dataset = comparison_dataset(people.workspace_a)
    add_records(dataset, 5)
    job = export_create(dataset=dataset, user=people.admin_a, layout="raw")
    wait_for(lambda: finished(job))
    # The worker died mid-write: the job says running, holds half a file, and its
    # heartbeat stopped longer ago than FEEDLOOP_JOB_HEARTBEAT_TIMEOUT.
    job.file.save(f"exports/{dataset.pk}/{job.pk}.jsonl", ContentFile(b'{"partial": '), save=False)
    stopped = timezone.now() - timedelta(seconds=settings.FEEDLOOP_JOB_HEARTBEAT_TIMEOUT + 1)
    ExportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, file=job.file.name, progress=0.4, heartbeat_at=stopped
    )
    celery_app.send_task(RUN_EXPORT_TASK, args=[str(job.pk)])  # the broker redelivers (acks_late)
    wait_for(lambda: finished(job))
    assert job.status == JobStatus.SUCCEEDED
    exported = rows(job)
    assert len(exported) == 5 and len({row["id"] for row in exported}) == 5
    # Delivering it once more changes nothing: a finished job is left as it is.
    finished_at = job.finished_at
    celery_app.send_task(RUN_EXPORT_TASK, args=[str(job.pk)])
    celery_app.send_task(RUN_EXPORT_TASK, args=[str(job.pk)])
    wait_for(drained)
    job.refresh_from_db()
    assert job.finished_at == finished_at and len(rows(job)) == 5
