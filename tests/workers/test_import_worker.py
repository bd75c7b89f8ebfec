"""Imports run by a real worker on Redis; a job whose worker died half-way resumes
after its last stored batch, without duplicates (even for rows without external ids)."""

from __future__ import annotations

import io
import json

from config.celery import app as celery_app
from feedback.models import ImportJob, JobStatus, Record
from feedback.services.imports import RUN_IMPORT_TASK, import_create
from feedback.services.records import records_bulk_upsert
from tests.builders import comparison_dataset
from tests.workers.conftest import drained, wait_for


def finished(job: ImportJob) -> bool:
    job.refresh_from_db()
    return job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


def row(n: int) -> dict:
    return {"prompt": f"prompt {n}", "response-1": "a", "response-2": "b", "response-3": "c", "quality": n % 5 + 1}


def jsonl(rows: list[dict]) -> io.BytesIO:
    return io.BytesIO(b"".join(json.dumps(r).encode() + b"\n" for r in rows))


def test_an_import_runs_on_the_worker(people, celery_worker):
    dataset = comparison_dataset(people.workspace_a)
    rows = [{"external_id": f"w-{n}", **row(n)} for n in range(1200)]

    job = import_create(dataset=dataset, user=people.admin_a, file=jsonl(rows), filename="rows.jsonl")
    wait_for(lambda: finished(job))

    assert job.status == JobStatus.SUCCEEDED, (job.error, job.errors[:3])
    assert job.counts["stored"] == 1200 and job.progress == 1.0 and job.started_at and job.finished_at
    assert Record.objects.filter(dataset=dataset).count() == 1200


def test_a_job_whose_worker_died_half_way_resumes_without_duplicates(people, celery_worker, settings):
    dataset = comparison_dataset(people.workspace_a)
    rows = [row(n) for n in range(1, 11)]  # no external ids: only the checkpoint can prevent duplicates
    job = import_create(
        dataset=dataset, user=people.admin_a, file=jsonl(rows), filename="rows.jsonl", run_in_background=False
    )
    # The worker died after storing the batch of rows 1-4: those records and the job's
    # checkpoint were committed together; the job still says running.
    records_bulk_upsert(
        dataset=dataset,
        items=[{"fields": {k: v for k, v in r.items() if k != "quality"}} for r in rows[:4]],
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, stored_through_row=4, progress=0.7, counts={"stored": 4, "created": 4, "updated": 0}
    )

    celery_app.send_task(RUN_IMPORT_TASK, args=[str(job.pk)])  # the broker redelivers (acks_late)
    wait_for(lambda: finished(job))

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.counts["stored"] == 10 and job.counts["created"] == 10
    prompts = sorted(Record.objects.filter(dataset=dataset).values_list("fields__prompt", flat=True))
    assert prompts == sorted(r["prompt"] for r in rows)
    # Delivered again, a finished job is left as it is.
    celery_app.send_task(RUN_IMPORT_TASK, args=[str(job.pk)])
    wait_for(drained)
    assert Record.objects.filter(dataset=dataset).count() == 10
