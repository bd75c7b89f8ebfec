"""A worker killed mid-job (SIGKILL: no warm shutdown, nothing acknowledged): its job
stops beating, the sweep re-queues it after FEEDLOOP_JOB_HEARTBEAT_TIMEOUT instead of
the broker's hour-long visibility timeout, and a second worker finishes it from its
checkpoint, storing every row once."""

from __future__ import annotations

import io
import json

from feedback.models import ImportJob, JobStatus, Record
from feedback.services.imports import import_create
from feedback.services.jobs import jobs_sweep
from tests.builders import comparison_dataset
from tests.workers.conftest import kill, wait_for

ROWS = 4000
WORKER_ENV = {
    "FEEDLOOP_BULK_MAX_RECORDS": "25",  # many small batches: the kill lands half-way
    "FEEDLOOP_JOB_HEARTBEAT_SECONDS": "1",
    "FEEDLOOP_JOB_HEARTBEAT_TIMEOUT": "3",
}


def row(n: int) -> dict:
    return {"prompt": f"prompt {n}", "response-1": "a", "response-2": "b", "response-3": "c"}


def fresh(job: ImportJob) -> ImportJob:
    job.refresh_from_db()
    return job


def test_a_killed_workers_import_is_requeued_by_the_sweep_and_finished_without_duplicates(
    people, start_worker, settings
):
    settings.FEEDLOOP_JOB_HEARTBEAT_TIMEOUT = 3  # the sweep runs here
    dataset = comparison_dataset(people.workspace_a)
    # No external ids: only the checkpoint keeps rows from being stored twice.
    upload = io.BytesIO(b"".join(json.dumps(row(n)).encode() + b"\n" for n in range(1, ROWS + 1)))
    first = start_worker(**WORKER_ENV)

    job = import_create(dataset=dataset, user=people.admin_a, file=upload, filename="rows.jsonl")
    wait_for(lambda: fresh(job).stored_through_row > 0, timeout=120)
    kill(first)

    job = fresh(job)
    assert job.status == JobStatus.RUNNING and job.attempts == 1
    assert 0 < job.stored_through_row < ROWS, "the kill came too late to test anything"
    assert Record.objects.filter(dataset=dataset).count() == job.stored_through_row
    # While the heartbeat may still be fresh the sweep leaves the job alone ...
    assert jobs_sweep()["requeued"] == 0
    wait_for(lambda: jobs_sweep()["requeued"] == 1, timeout=30)
    # ... then it is queued again, with the reason, and sent to the broker.
    job = fresh(job)
    assert job.status == JobStatus.QUEUED and job.sent_at is not None
    assert "attempt 1 stopped: no heartbeat" in job.error

    start_worker(**WORKER_ENV)
    wait_for(lambda: fresh(job).status in (JobStatus.SUCCEEDED, JobStatus.FAILED), timeout=120)

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.attempts == 2 and job.error == ""
    assert job.counts["stored"] == ROWS and job.counts["created"] == ROWS
    prompts = list(Record.objects.filter(dataset=dataset).values_list("fields__prompt", flat=True))
    assert len(prompts) == ROWS and len(set(prompts)) == ROWS
