"""Background jobs (imports, exports, metrics): how a job reaches a worker, is run by one
worker at a time, and is recovered when the broker or a worker fails.

* **Queued after commit.** A job's run is sent to the broker once the transaction that
  created the job commits (`job_send_after_commit`). When the broker cannot be reached
  the job is kept, `queued` with `sent_at` empty, and the caller is answered as usual;
  the sweep sends it later. Nothing is lost and nothing half-made is answered.
* **One run at a time.** A delivered run starts the job (`job_start`) only when it is
  `queued`, or `running` with a stopped heartbeat (its worker died). A second delivery
  of a job another worker is running is dropped. Every start counts an attempt; a job
  is failed, with the reason, rather than started more than FEEDLOOP_JOB_MAX_ATTEMPTS
  times. The run's writes (`job_progress`, `job_finish`) go through only while the job
  is still that attempt's: a worker that lost its job (the sweep gave it to another)
  stops at its next write, and an import batch stored by it is rolled back.
* **Heartbeat.** A running job writes `heartbeat_at` with every chunk or batch and,
  from a thread (`heartbeat`), at least every FEEDLOOP_JOB_HEARTBEAT_SECONDS.
* **Sweep** (`jobs_sweep`, the `feedback.tasks.sweep_jobs` task, scheduled by Celery
  beat every FEEDLOOP_JOB_SWEEP_SECONDS): a `running` job whose heartbeat is older than
  FEEDLOOP_JOB_HEARTBEAT_TIMEOUT is queued and sent again (or failed with the reason
  once its attempts are used up); a `queued` job never sent and older than
  FEEDLOOP_JOB_QUEUE_GRACE, or sent more than FEEDLOOP_JOB_RESEND_SECONDS ago, is sent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from feedback.models import BackgroundJob, ExportJob, ImportJob, JobStatus, MetricsJob
from feedback.services._common import queue

logger = logging.getLogger(__name__)

RUN_EXPORT_TASK = "feedback.tasks.run_export"
RUN_IMPORT_TASK = "feedback.tasks.run_import"
RUN_METRICS_TASK = "feedback.tasks.run_metrics"
TASKS: dict[type[BackgroundJob], str] = {
    ExportJob: RUN_EXPORT_TASK,
    ImportJob: RUN_IMPORT_TASK,
    MetricsJob: RUN_METRICS_TASK,
}

Job = TypeVar("Job", ExportJob, ImportJob, MetricsJob)


class JobLost(Exception):
    """The job is no longer this run's (the sweep re-queued it, or it was finished
    elsewhere): the run stops without writing anything more."""


def _heartbeat_timeout() -> timedelta:
    return timedelta(seconds=settings.FEEDLOOP_JOB_HEARTBEAT_TIMEOUT)


def job_send(*, job: BackgroundJob) -> bool:
    """Hand the job's run to the broker now. Returns False, logging why, when the broker
    cannot be reached: the job stays queued for the sweep. (Without a broker, the quick
    try, the run happens here and now.)"""
    model = type(job)
    try:
        queue(TASKS[model], str(job.pk))
    except BrokerUnavailable as error:
        logger.warning("%s %s stays queued: the broker is unreachable (%s)", model.__name__, job.pk, error)
        return False
    model.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(sent_at=timezone.now())
    return True


def job_send_after_commit(*, job: BackgroundJob) -> None:
    """Send the job's run once the current transaction commits (and never if it rolls back)."""
    transaction.on_commit(lambda: job_send(job=job))


def job_start(*, model: type[Job], job_id: Any) -> tuple[Job, bool]:
    """Take a delivered job for this run. Returns the job and whether this run should
    do it: not when it is finished, held by a live worker, or out of attempts (then it
    is failed, with the reason)."""
    now = timezone.now()
    with transaction.atomic():
        job = model.objects.select_for_update().select_related("dataset").get(pk=job_id)
        if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return job, False
        if job.status == JobStatus.RUNNING and job.heartbeat_at and job.heartbeat_at > now - _heartbeat_timeout():
            logger.info("%s %s is running elsewhere; this delivery is dropped", model.__name__, job.pk)
            return job, False
        if job.attempts >= settings.FEEDLOOP_JOB_MAX_ATTEMPTS:
            job.status, job.finished_at = JobStatus.FAILED, now
            job.error = _given_up(job)
            job.save(update_fields=["status", "finished_at", "error", "updated_at"])
            return job, False
        job.status, job.started_at, job.heartbeat_at = JobStatus.RUNNING, now, now
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "heartbeat_at", "attempts", "updated_at"])
    return job, True


def _given_up(job: BackgroundJob) -> str:
    return (
        f"given up after {job.attempts} attempts: the worker running it stopped each time "
        f"(no heartbeat for over {settings.FEEDLOOP_JOB_HEARTBEAT_TIMEOUT} s)"
    )


def _owned(job: BackgroundJob) -> Any:
    """The job's row while it is still this run's attempt."""
    return type(job).objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts)


def job_progress(*, job: BackgroundJob, **fields: Any) -> None:
    """Record a running job's progress (and its heartbeat). Raises JobLost when the job
    is no longer this run's; inside a transaction, that rolls back what it stored."""
    if not _owned(job).update(heartbeat_at=timezone.now(), **fields):
        raise JobLost(f"{type(job).__name__} {job.pk} is no longer this run's")


def job_finish(*, job: BackgroundJob, status: str, **fields: Any) -> None:
    """Record how this run of the job ended (JobLost when it is no longer this run's)."""
    if not _owned(job).update(status=status, finished_at=timezone.now(), heartbeat_at=timezone.now(), **fields):
        raise JobLost(f"{type(job).__name__} {job.pk} is no longer this run's")


@contextmanager
def job_running(*, job: BackgroundJob) -> Iterator[None]:
    """The body runs a started job under its heartbeat. A job lost to another worker
    (`JobLost`) is logged and left to it; any other error is recorded on the job as its
    failure, then raised for Celery to see."""
    try:
        with heartbeat(job=job):
            yield
    except JobLost as lost:
        logger.warning("%s", lost)
    except Exception as error:
        with suppress(JobLost):
            job_finish(job=job, status=JobStatus.FAILED, error=str(error)[:2000])
        raise


@contextmanager
def heartbeat(*, job: BackgroundJob) -> Iterator[None]:
    """While the block runs, a thread writes the job's heartbeat every
    FEEDLOOP_JOB_HEARTBEAT_SECONDS, so a long step (a large chunk, the upload of the
    finished file) does not look like a dead worker. The thread proves the process is
    alive, not that it progresses: a hung task is ended by Celery's time limits."""
    stop = threading.Event()
    interval = settings.FEEDLOOP_JOB_HEARTBEAT_SECONDS

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    _owned(job).update(heartbeat_at=timezone.now())
                except DatabaseError as error:  # a missed beat; the next one may pass
                    logger.warning("heartbeat of %s %s not written: %s", type(job).__name__, job.pk, error)
                    close_old_connections()
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{job.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Recover jobs: re-queue (or fail, out of attempts) those whose worker stopped
    beating, and send those the broker never took. Returns what it did, by count."""
    now = now or timezone.now()
    done = {"requeued": 0, "failed": 0, "sent": 0}
    for model in TASKS:
        stale = Q(heartbeat_at__lt=now - _heartbeat_timeout()) | Q(
            heartbeat_at=None, updated_at__lt=now - _heartbeat_timeout()
        )
        for job_id in model.objects.filter(stale, status=JobStatus.RUNNING).values_list("pk", flat=True):
            outcome = _requeue_stale(model, job_id, now)
            if outcome:
                done[outcome] += 1
        unsent = Q(sent_at=None, queued_at__lte=now - timedelta(seconds=settings.FEEDLOOP_JOB_QUEUE_GRACE))
        lost = Q(sent_at__lt=now - timedelta(seconds=settings.FEEDLOOP_JOB_RESEND_SECONDS))
        for job in model.objects.filter(unsent | lost, status=JobStatus.QUEUED).only("pk"):
            if job_send(job=job):
                done["sent"] += 1
    if any(done.values()):
        logger.info("job sweep: %s", done)
    return done


def _requeue_stale(model: type[BackgroundJob], job_id: Any, now: datetime) -> str | None:
    with transaction.atomic():
        job = model.objects.select_for_update(skip_locked=True).filter(pk=job_id, status=JobStatus.RUNNING).first()
        if job is None or (job.heartbeat_at and job.heartbeat_at >= now - _heartbeat_timeout()):
            return None  # finished, or beating again, since the sweep looked
        if job.attempts >= settings.FEEDLOOP_JOB_MAX_ATTEMPTS:
            job.status, job.finished_at, job.error = JobStatus.FAILED, now, _given_up(job)
            job.save(update_fields=["status", "finished_at", "error", "updated_at"])
            logger.warning("%s %s failed: %s", model.__name__, job.pk, job.error)
            return "failed"
        job.error = (
            f"attempt {job.attempts} stopped: no heartbeat since "
            f"{job.heartbeat_at.isoformat() if job.heartbeat_at else 'it started'}; queued again"
        )
        job.status, job.queued_at, job.sent_at = JobStatus.QUEUED, now, None
        job.save(update_fields=["status", "queued_at", "sent_at", "error", "updated_at"])
        logger.warning("%s %s: %s", model.__name__, job.pk, job.error)
    job_send(job=job)
    return "requeued"
