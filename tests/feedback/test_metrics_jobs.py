"""The dashboard as a cached job: the snapshot, the job's run, the scheduled refresh
(the API's answer from the cache: tests/api/test_metrics.py)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from feedback.models import Dataset, JobStatus, MetricsJob, MetricsSnapshot
from feedback.services.metrics import metrics_refresh, metrics_refresh_stale, metrics_run
from feedback.services.responses import response_submit
from tests.builders import add_records, comparison_dataset, full_answer


def _dataset(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=2)
    first, second = add_records(dataset, 2)
    response_submit(record=first, user=people.labeler_a1, values=full_answer(quality={"value": 4}))
    response_submit(record=first, user=people.labeler_a2, values=full_answer(quality={"value": 2}))
    return dataset, second


def test_a_job_stores_the_snapshot_with_charts_and_reports_progress(people):
    dataset, _ = _dataset(people)
    job = metrics_refresh(dataset=dataset, user=people.admin_a, queue_run=False)
    # Asking again while it is queued gives the same job.
    assert metrics_refresh(dataset=dataset, user=people.admin_a, queue_run=False) == job

    done = metrics_run(job_id=job.pk)

    assert (done.status, done.progress, done.counts) == (JobStatus.SUCCEEDED, 1.0, {"responses": 2})
    snapshot = MetricsSnapshot.objects.get(dataset=dataset)
    assert snapshot.job == done and snapshot.computed_at <= done.finished_at
    assert snapshot.payload["responses"]["submitted"] == 2
    assert "distribution:quality" in snapshot.charts and snapshot.charts["progress"].startswith("<svg")
    # Finished: a second delivery changes nothing; a new refresh is a new job.
    assert metrics_run(job_id=job.pk).finished_at == done.finished_at
    assert metrics_refresh(dataset=dataset, queue_run=False) != job


def test_the_schedule_refreshes_datasets_with_activity_since_their_snapshot(people):
    dataset, _ = _dataset(people)
    quiet = comparison_dataset(people.workspace_a, name="quiet")
    add_records(quiet, 1)  # no responses: nothing to compute

    assert metrics_refresh_stale() == 1  # never computed, has responses
    assert metrics_refresh_stale() == 0  # its job is still queued
    metrics_run(job_id=MetricsJob.objects.get(dataset=dataset).pk)
    assert metrics_refresh_stale() == 0  # fresh
    Dataset.objects.filter(pk=dataset.pk).update(last_activity_at=timezone.now() + timedelta(seconds=5))
    assert metrics_refresh_stale() == 1
    assert not MetricsJob.objects.filter(dataset=quiet).exists()
