"""The image's `worker` role (scripts/entrypoint worker), run on this machine: it
consumes every queue by kind and runs the tasks sent to them."""

from __future__ import annotations

from config.celery import app as celery_app
from feedback.models import JobStatus
from feedback.services.exports import export_create
from tests.builders import add_records, comparison_dataset
from tests.workers.conftest import QUEUES, _worker_names, drained, wait_for


def test_worker_role_consumes_every_queue_and_runs_a_job(people, start_worker):
    start_worker(entrypoint=True)
    (name,) = _worker_names
    consumed = celery_app.control.inspect(destination=[name], timeout=5).active_queues()[name]
    assert sorted(queue["name"] for queue in consumed) == sorted(QUEUES)

    dataset = comparison_dataset(people.workspace_a)
    add_records(dataset, 3)
    export = export_create(dataset=dataset, user=people.admin_a, layout="raw")
    wait_for(drained)
    export.refresh_from_db()
    assert export.status == JobStatus.SUCCEEDED, export.error
    assert export.file  # the file was written
