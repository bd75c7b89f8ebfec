"""The job sweep's rules, in-process (no broker: a job sent runs here, eagerly)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from feedback.models import ExportJob, JobStatus
from feedback.services.exports import export_create, export_run
from feedback.services.jobs import jobs_sweep
from tests.builders import add_records, comparison_dataset


def ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


def unsent_export(people, name: str = "comparison") -> ExportJob:
    dataset = comparison_dataset(people.workspace_a, name=name)
    add_records(dataset, 2)
    return export_create(dataset=dataset, user=people.admin_a, layout="raw", queue_run=False)


def test_a_job_the_broker_never_took_is_sent_after_the_grace_period(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = unsent_export(people)
    assert jobs_sweep()["sent"] == 0  # within FEEDLOOP_JOB_QUEUE_GRACE: its own send may still come
    ExportJob.objects.filter(pk=job.pk).update(queued_at=ago(settings.FEEDLOOP_JOB_QUEUE_GRACE + 1))
    assert jobs_sweep()["sent"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1


def test_a_job_sent_a_moment_ago_or_running_with_a_live_heartbeat_is_left_alone(people, settings):
    sent = unsent_export(people)
    ExportJob.objects.filter(pk=sent.pk).update(queued_at=ago(600), sent_at=ago(5))
    running = unsent_export(people, name="other")
    ExportJob.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING, attempts=1, heartbeat_at=ago(5))
    assert jobs_sweep() == {"requeued": 0, "failed": 0, "sent": 0}
    # A second delivery of the running job is dropped: its worker is alive.
    assert export_run(job_id=running.pk).status == JobStatus.RUNNING
    assert ExportJob.objects.get(pk=running.pk).attempts == 1


def test_a_job_whose_worker_keeps_dying_is_failed_with_the_reason_after_its_attempts(people, settings):
    settings.FEEDLOOP_JOB_MAX_ATTEMPTS = 3
    job = unsent_export(people)
    stopped = ago(settings.FEEDLOOP_JOB_HEARTBEAT_TIMEOUT + 1)
    ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=3, heartbeat_at=stopped)

    assert jobs_sweep() == {"requeued": 0, "failed": 1, "sent": 0}

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at
    assert job.error == (
        "given up after 3 attempts: the worker running it stopped each time "
        f"(no heartbeat for over {settings.FEEDLOOP_JOB_HEARTBEAT_TIMEOUT} s)"
    )
    # A late redelivery from the broker does not start it a fourth time.
    assert export_run(job_id=job.pk).attempts == 3


def test_a_redelivered_job_out_of_attempts_is_failed_rather_than_started(people, settings):
    settings.FEEDLOOP_JOB_MAX_ATTEMPTS = 2
    job = unsent_export(people)
    stopped = ago(settings.FEEDLOOP_JOB_HEARTBEAT_TIMEOUT + 1)
    ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=2, heartbeat_at=stopped)

    job = export_run(job_id=job.pk)  # the broker's own redelivery (acks_late), not the sweep

    assert job.status == JobStatus.FAILED and job.attempts == 2 and "given up after 2 attempts" in job.error


def test_celery_beat_runs_the_sweeps_as_registered_tasks(settings):
    from config.celery import app as celery_app

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert all(entry["task"] in celery_app.tasks for entry in schedule.values())
    assert schedule["sweep-jobs"]["schedule"] == settings.FEEDLOOP_JOB_SWEEP_SECONDS
    assert schedule["refresh-metrics"]["schedule"] == settings.FEEDLOOP_METRICS_REFRESH_SECONDS
    assert schedule["sweep-leases"]["schedule"] == settings.FEEDLOOP_CLEANUP_SECONDS
    assert schedule["forget-old-deliveries"]["schedule"] == settings.FEEDLOOP_CLEANUP_SECONDS
