"""Celery entry points: thin, take ids, idempotent, safe to retry (acks_late)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from feedback.services import exports, imports, jobs, metrics, queue, webhooks


@shared_task(name="feedback.tasks.run_export", acks_late=True)
def run_export(job_id: str) -> str:
    """Write the export file of one job (a finished job is left as it is)."""
    return exports.export_run(job_id=job_id).status


@shared_task(name="feedback.tasks.run_import", acks_late=True)
def run_import(job_id: str) -> str:
    """Check and store the file of one import job (a finished job is left as it is; a
    job whose worker died resumes after its last stored batch)."""
    return imports.import_run(job_id=job_id).status


@shared_task(name="feedback.tasks.run_metrics", acks_late=True)
def run_metrics(job_id: str) -> str:
    """Compute a dataset's dashboard and store it as its snapshot (a finished job is left as it is)."""
    return metrics.metrics_run(job_id=job_id).status


@shared_task(name="feedback.tasks.refresh_metrics")
def refresh_metrics() -> int:
    """Scheduled by Celery beat (CELERY_BEAT_SCHEDULE): queue a metrics job for every
    dataset with activity since its last snapshot."""
    return metrics.metrics_refresh_stale()


@shared_task(name="feedback.tasks.sweep_jobs")
def sweep_jobs() -> dict[str, int]:
    """Scheduled by Celery beat (CELERY_BEAT_SCHEDULE): re-queue import and export jobs
    whose worker died, send those the broker never took (see feedback.services.jobs),
    and send the webhook deliveries the broker never took."""
    return {**jobs.jobs_sweep(), "deliveries_sent": webhooks.deliveries_sweep()}


@shared_task(name="feedback.tasks.sweep_leases")
def sweep_leases() -> int:
    """Scheduled by Celery beat (CELERY_BEAT_SCHEDULE): delete the work queue's lease
    rows that no longer mean anything (expired, no skip, no gold record to remember)."""
    return queue.leases_sweep()


@shared_task(name="feedback.tasks.forget_old_deliveries")
def forget_old_deliveries() -> int:
    """Scheduled by Celery beat (CELERY_BEAT_SCHEDULE): delete the finished webhook
    deliveries older than FEEDLOOP_WEBHOOK_KEEP_DAYS."""
    return webhooks.deliveries_forget_old()


@shared_task(name="feedback.tasks.deliver_webhook", bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self: Any, delivery_id: str) -> None:
    """One attempt at a webhook delivery; a failed one is retried after each of
    FEEDLOOP_WEBHOOK_RETRY_DELAYS, then given up (the delivery row says why)."""
    delays = settings.FEEDLOOP_WEBHOOK_RETRY_DELAYS
    if self.request.is_eager:
        # No broker (the quick try): the attempts follow each other at once, here.
        for attempt in range(len(delays) + 1):
            if webhooks.webhook_deliver(delivery_id=delivery_id, last_attempt=attempt == len(delays)):
                break
        return
    retries = self.request.retries
    done = webhooks.webhook_deliver(delivery_id=delivery_id, last_attempt=retries >= len(delays))
    if not done:
        raise self.retry(countdown=delays[retries])
