"""Queues by kind (config.queues) on a real Redis: each kind of task waits in its own
queue, a worker without -Q takes them all, in turn (a backlog of one kind does not hold
up another), and a worker given one kind's queue serves that kind while the other
kinds' workers are held up."""

from __future__ import annotations

import io
import json

import psycopg2
import redis
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from config.queues import kind_queue
from feedback.models import DeliveryStatus, ExportJob, JobStatus, WebhookDelivery
from feedback.services.exports import export_create
from feedback.services.imports import import_create
from feedback.services.metrics import metrics_refresh
from feedback.services.webhooks import webhook_create
from tests.builders import add_records, comparison_dataset
from tests.workers.conftest import BROKER, QUEUE, QUEUES, drained, wait_for

SWEEP_TASK = "feedback.tasks.sweep_jobs"


def delivered(count: int) -> bool:
    deliveries = WebhookDelivery.objects.all()
    return len(deliveries) == count and all(d.status == DeliveryStatus.DELIVERED for d in deliveries)


def test_each_kind_of_task_waits_in_its_own_queue_and_one_worker_takes_them_all(people, start_worker, receiver):
    client = redis.Redis.from_url(BROKER)
    dataset = comparison_dataset(people.workspace_a)
    webhook_create(url=receiver.url, events=["record.created"])
    add_records(dataset, 2)  # two webhook deliveries
    export = export_create(dataset=dataset, user=people.admin_a, layout="raw")
    row = {"prompt": "p", "response-1": "a", "response-2": "b", "response-3": "c", "quality": 3}
    rows = b"".join(json.dumps(row).encode() + b"\n" for _ in range(3))
    imported = import_create(dataset=dataset, user=people.admin_a, file=io.BytesIO(rows), filename="rows.jsonl")
    metrics = metrics_refresh(dataset=dataset, user=people.admin_a)
    celery_app.send_task(SWEEP_TASK)

    # No worker yet: every task waits, in its kind's queue; the sweep in the default queue.
    assert {name: client.llen(name) for name in QUEUES} == {
        QUEUE: 1,
        kind_queue(QUEUE, "imports"): 1,
        kind_queue(QUEUE, "exports"): 1,
        kind_queue(QUEUE, "metrics"): 1,
        kind_queue(QUEUE, "webhooks"): 2,
    }

    start_worker()  # no -Q: every queue
    wait_for(drained)
    for job in (export, imported, metrics):
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, (type(job).__name__, job.error)
    # The import's three records made three more deliveries, sent from the worker.
    assert delivered(5) and len(receiver.requests) == 5


def test_one_worker_takes_the_kinds_in_turn_so_a_backlog_of_exports_does_not_hold_up_a_webhook(
    people, start_worker, receiver
):
    exports = []
    for n in range(4):
        dataset = comparison_dataset(people.workspace_a, name=f"exported-{n}")
        add_records(dataset, 3)
        exports.append(export_create(dataset=dataset, user=people.admin_a, layout="raw"))
    webhook_create(url=receiver.url, events=["record.created"])
    add_records(comparison_dataset(people.workspace_a, name="labelled"), 1)  # queued after every export

    start_worker()
    wait_for(drained)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    finished = sorted(ExportJob.objects.get(pk=job.pk).finished_at for job in exports)
    # One queue would have run the four exports first; the kinds' queues are taken in turn.
    assert sum(at < delivery.delivered_at for at in finished) <= 1, (finished, delivery.delivered_at)


def test_webhooks_go_out_while_the_exports_worker_is_held_by_a_blocked_export(people, start_worker, receiver):
    start_worker(queues=[kind_queue(QUEUE, "exports")])
    start_worker(queues=[kind_queue(QUEUE, "webhooks")])
    exported = comparison_dataset(people.workspace_a, name="exported")
    add_records(exported, 3)
    database = settings.DATABASES["default"]
    holder = psycopg2.connect(
        dbname=database["NAME"], user=database["USER"], host=database["HOST"], port=database["PORT"]
    )
    try:
        job = export_create(dataset=exported, user=people.admin_a, layout="raw")
        # The export's worker takes it and waits for the job's row, which is held here.
        holder.cursor().execute("SELECT 1 FROM feedback_exportjob WHERE id = %s FOR UPDATE", [str(job.pk)])
        wait_for(lambda: export_waits_for_its_row(job))

        webhook_create(url=receiver.url, events=["record.created"])
        add_records(comparison_dataset(people.workspace_a, name="labelled"), 2)
        wait_for(lambda: delivered(2))

        job.refresh_from_db()
        assert job.status == JobStatus.QUEUED and len(receiver.requests) == 2
    finally:
        holder.rollback()
        holder.close()
    wait_for(lambda: ExportJob.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED)


def export_waits_for_its_row(job: ExportJob) -> bool:
    """Another session (the worker's) waits for a row lock while reading the job."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
            ["%feedback_exportjob%"],
        )
        return cursor.fetchone()[0] > 0
