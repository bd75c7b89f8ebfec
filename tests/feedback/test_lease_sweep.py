"""The lease sweep (`leases_sweep`, run by Celery beat) deletes the lease rows that no
longer mean anything, and only those: the work queue hands out the same records after
it as before it."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from feedback.models import Record, RecordLease
from feedback.services.datasets import dataset_update
from feedback.services.queue import leases_sweep, queue_next, queue_skip
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_save_draft
from tests.builders import add_records, comparison_dataset, full_answer, record_item


def expire(lease_filter: dict) -> None:
    RecordLease.objects.filter(**lease_filter).update(expires_at=timezone.now() - timedelta(seconds=1))


def test_expired_leases_are_deleted_and_live_ones_kept(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=1)
    add_records(dataset, 3)
    held = queue_next(dataset=dataset, user=people.labeler_a1)
    abandoned = queue_next(dataset=dataset, user=people.labeler_a2)
    expire({"user": people.labeler_a2})

    assert leases_sweep() == 1

    assert list(RecordLease.objects.values_list("record_id", "user_id")) == [(held.pk, people.labeler_a1.pk)]
    # The abandoned record's slot was free either way: the next labeler gets it.
    assert queue_next(dataset=dataset, user=people.admin_a).pk == abandoned.pk


def test_a_skip_is_kept_however_old(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=1)
    add_records(dataset, 2)
    skipped = queue_next(dataset=dataset, user=people.labeler_a1)
    queue_skip(record=skipped, user=people.labeler_a1)
    RecordLease.objects.update(expires_at=timezone.now() - timedelta(days=365))

    assert leases_sweep() == 0

    # The skipped record still comes after the one never skipped.
    assert queue_next(dataset=dataset, user=people.labeler_a1).pk != skipped.pk


def test_an_unanswered_gold_records_expired_lease_is_kept_an_answered_ones_deleted(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=1)
    add_records(dataset, 3)
    records_bulk_upsert(
        dataset=dataset, items=[record_item(n, gold={"quality": {"value": 4}}) for n in range(100, 102)]
    )
    dataset = dataset_update(dataset=dataset, gold_rate=1.0)
    abandoned = queue_next(dataset=dataset, user=people.labeler_a1)
    drafted = queue_next(dataset=dataset, user=people.labeler_a2)
    response_save_draft(record=drafted, user=people.labeler_a2, values=full_answer())
    assert abandoned.gold is not None and drafted.gold is not None
    RecordLease.objects.update(expires_at=timezone.now() - timedelta(days=1))

    # The lease is what says the gold record was handed to labeler-a1 (each gold record
    # goes to a labeler at most once); labeler-a2's draft says it for them.
    assert leases_sweep() == 1

    assert list(RecordLease.objects.values_list("record_id", "user_id")) == [(abandoned.pk, people.labeler_a1.pk)]
    again = queue_next(dataset=dataset, user=people.labeler_a1)
    assert again.pk != abandoned.pk and Record.objects.get(pk=again.pk).gold is not None
