"""The quality dashboard as a cached job: computed by a Celery task, kept per dataset.

A `MetricsJob` computes a dataset's dashboard (`feedback.dashboard.dashboard_compute`,
progress per chunk of responses, a heartbeat as every job: `feedback.services.jobs`),
renders its charts (`feedback.charts`) and stores both as the dataset's
`MetricsSnapshot` with the time the computation started. Jobs are queued on demand (a
manager's refresh) and by the schedule (`metrics_refresh_stale`, run by Celery beat):
a dataset whose last activity is newer than its snapshot. One active job per dataset:
asking again while one is queued or running gives that job.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from config.replica import replica_reads_for_job
from feedback import charts
from feedback.dashboard import dashboard_compute
from feedback.models import ACTIVE, Dataset, JobStatus, MetricsJob, MetricsSnapshot
from feedback.questions import option_titles
from feedback.services.jobs import job_finish, job_progress, job_running, job_send_after_commit, job_start

logger = logging.getLogger(__name__)


@transaction.atomic
def metrics_refresh(*, dataset: Dataset, user: Any = None, queue_run: bool = True) -> MetricsJob:
    """Queue a computation of the dataset's dashboard (after commit), or give the one
    already queued or running. With `queue_run=False` the caller runs it (`metrics_run`)."""
    Dataset.objects.select_for_update().filter(pk=dataset.pk).first()  # one refresh at a time per dataset
    active = MetricsJob.objects.filter(dataset=dataset, status__in=ACTIVE).order_by("-inserted_at").first()
    if active is not None:
        return active
    job = MetricsJob.objects.create(workspace_id=dataset.workspace_id, dataset=dataset, created_by=user)
    if queue_run:
        job_send_after_commit(job=job)
    return job


def _option_titles(dataset: Dataset) -> dict[str, dict[Any, Any]]:
    """The charts name answers as labelers see them: each question's option titles."""
    return {question.name: option_titles(question) for question in dataset.questions.all()}


def metrics_run(*, job_id: Any) -> MetricsJob:
    """Run a metrics job (idempotent as every job: `job_start`); stores the snapshot."""
    job, start = job_start(model=MetricsJob, job_id=job_id)
    if not start:
        return job
    with job_running(job=job):
        started = timezone.now()

        def progress(done: int, total: int) -> None:
            job_progress(job=job, progress=min(done / max(total, 1), 0.99), counts={"responses": done})

        with replica_reads_for_job():  # every write before `started`: computed_at stays true
            payload = dashboard_compute(job.dataset, on_progress=progress)
        rendered = charts.render_all(payload, _option_titles(job.dataset))
        with transaction.atomic():
            MetricsSnapshot.objects.update_or_create(
                dataset=job.dataset,
                defaults={"payload": payload, "charts": rendered, "computed_at": started, "job": job},
            )
            job_finish(
                job=job,
                status=JobStatus.SUCCEEDED,
                progress=1.0,
                counts={"responses": sum(payload["responses"].values())},
                error="",
            )
    job.refresh_from_db()
    return job


def metrics_compute_now(*, dataset: Dataset) -> MetricsSnapshot:
    """Compute and store the dashboard here and now (no job): the metrics API's answer
    for a dataset never computed before."""
    started = timezone.now()
    with replica_reads_for_job():  # every write before `started`: computed_at stays true
        payload = dashboard_compute(dataset)
    snapshot, _ = MetricsSnapshot.objects.update_or_create(
        dataset=dataset,
        defaults={
            "payload": payload,
            "charts": charts.render_all(payload, _option_titles(dataset)),
            "computed_at": started,
            "job": None,
        },
    )
    return snapshot


def metrics_refresh_stale() -> int:
    """Queue a refresh of every dataset with activity since its snapshot (and of those
    with responses but no snapshot yet); returns how many were queued."""
    stale = Dataset.objects.filter(
        Q(metrics_snapshot__computed_at__lt=F("last_activity_at"))
        | Q(metrics_snapshot__isnull=True, records__responses__isnull=False)
    ).exclude(metrics_jobs__status__in=ACTIVE)
    queued = 0
    for dataset in stale.distinct().only("pk", "workspace_id"):
        metrics_refresh(dataset=dataset)
        queued += 1
    return queued
