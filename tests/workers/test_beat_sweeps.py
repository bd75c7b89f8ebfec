"""Celery beat (here run inside the worker, -B) sends the clean-up sweeps on their
schedule, and the worker runs them: expired leases and old finished webhook deliveries
go, on the real database."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from feedback.models import RecordLease, WebhookDelivery
from feedback.services.queue import queue_next
from feedback.services.webhooks import webhook_create
from tests.builders import add_records, comparison_dataset
from tests.workers.conftest import wait_for


def test_beat_has_the_worker_clean_up_leases_and_old_deliveries(people, start_worker):
    dataset = comparison_dataset(people.workspace_a, min_submitted=1)
    add_records(dataset, 2)
    queue_next(dataset=dataset, user=people.labeler_a1)
    RecordLease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    webhook = webhook_create(url="https://example.com/in", events=["record.created"], enabled=False)
    old = WebhookDelivery.objects.create(webhook=webhook, event="record.created", body="{}", status="delivered")
    WebhookDelivery.objects.filter(pk=old.pk).update(inserted_at=timezone.now() - timedelta(days=31))

    start_worker(beat=True, FEEDLOOP_CLEANUP_SECONDS="1", FEEDLOOP_WEBHOOK_KEEP_DAYS="30")

    wait_for(lambda: not RecordLease.objects.exists() and not WebhookDelivery.objects.exists())
