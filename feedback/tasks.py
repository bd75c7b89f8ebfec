"""Celery entry points: thin, take ids, idempotent, safe to retry (acks_late)."""

from __future__ import annotations

from celery import shared_task

from feedback.services import exports, imports


@shared_task(name="feedback.tasks.run_export", acks_late=True)
def run_export(job_id: str) -> str:
    """Write the export file of one job (a finished job is left as it is)."""
    return exports.export_run(job_id=job_id).status


@shared_task(name="feedback.tasks.run_import", acks_late=True)
def run_import(job_id: str) -> str:
    """Check and store the file of one import job (a finished job is left as it is; a
    job whose worker died resumes after its last stored batch)."""
    return imports.import_run(job_id=job_id).status
