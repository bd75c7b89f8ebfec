"""The work queue: who gets which record next."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from feedback.models import Record, RecordLease, Response, ResponseStatus
from feedback.services.queue import queue_next
from feedback.services.responses import response_discard, response_save_draft, response_submit
from tests.builders import add_records, comparison_dataset, full_answer
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def dataset(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=2)
    add_records(dataset, 3)
    return dataset


def external(record: Record | None) -> str | None:
    return record.external_id if record else None


def test_a_held_record_comes_back_until_answered(people, dataset):
    first = queue_next(dataset=dataset, user=people.labeler_a1)
    assert external(first) == "rec-0"
    assert external(queue_next(dataset=dataset, user=people.labeler_a1)) == "rec-0"
    response_submit(record=first, user=people.labeler_a1, values=full_answer())
    assert external(queue_next(dataset=dataset, user=people.labeler_a1)) == "rec-1"
    assert not RecordLease.objects.filter(record=first, user=people.labeler_a1).exists()


def test_overlap_hands_a_record_to_min_submitted_labelers_only(people, dataset):
    third = UserFactory()
    MembershipFactory(workspace=people.workspace_a, user=third)
    assert external(queue_next(dataset=dataset, user=people.labeler_a1)) == "rec-0"
    assert external(queue_next(dataset=dataset, user=people.labeler_a2)) == "rec-0"
    assert external(queue_next(dataset=dataset, user=third)) == "rec-1"


def test_completed_records_leave_every_queue_and_answered_ones_never_return(people, dataset):
    record = Record.objects.get(external_id="rec-0")
    response_submit(record=record, user=people.labeler_a1, values=full_answer())
    response_submit(record=record, user=people.admin_a, values=full_answer())
    assert external(queue_next(dataset=dataset, user=people.labeler_a2)) == "rec-1"
    response_discard(record=Record.objects.get(external_id="rec-1"), user=people.labeler_a2)
    assert external(queue_next(dataset=dataset, user=people.labeler_a2)) == "rec-2"


def test_a_draft_is_held(people, dataset):
    record = queue_next(dataset=dataset, user=people.labeler_a1)
    response_save_draft(record=record, user=people.labeler_a1, values={"quality": {"value": 3}})
    RecordLease.objects.all().delete()
    assert external(queue_next(dataset=dataset, user=people.labeler_a1)) == "rec-0"


def test_expired_leases_go_back_to_the_pool(people):
    dataset = comparison_dataset(people.workspace_a, name="single", min_submitted=1)
    add_records(dataset, 2)
    assert external(queue_next(dataset=dataset, user=people.labeler_a1)) == "rec-0"
    assert external(queue_next(dataset=dataset, user=people.labeler_a2)) == "rec-1"
    # Time passes beyond the lease.
    RecordLease.objects.filter(user=people.labeler_a1).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert external(queue_next(dataset=dataset, user=people.admin_a)) == "rec-0"


def test_nothing_left_is_none(people, dataset):
    for record in Record.objects.all():
        response_submit(record=record, user=people.labeler_a1, values=full_answer())
    assert queue_next(dataset=dataset, user=people.labeler_a1) is None


def test_a_late_submission_is_stored_and_counted(people):
    dataset = comparison_dataset(people.workspace_a, name="late", min_submitted=1)
    add_records(dataset, 1)
    record = queue_next(dataset=dataset, user=people.labeler_a1)
    RecordLease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert queue_next(dataset=dataset, user=people.labeler_a2) == record
    response_submit(record=record, user=people.labeler_a2, values=full_answer())
    response_submit(record=record, user=people.labeler_a1, values=full_answer())
    record.refresh_from_db()
    assert (record.status, record.submitted_count) == ("completed", 2)


def test_next_query_budget_stays_flat(people, dataset, django_assert_num_queries):
    add_records(dataset, 200, start=100)
    # held leases and drafts (one statement), pick, re-count under the lock, lease upsert
    # (+ savepoints)
    with django_assert_num_queries(6):
        queue_next(dataset=dataset, user=people.labeler_a1)
    with django_assert_num_queries(6):
        queue_next(dataset=dataset, user=people.labeler_a2)


@pytest.mark.django_db(transaction=True)
def test_concurrent_labelers_fill_every_record_exactly_to_the_overlap(people):
    dataset = comparison_dataset(people.workspace_a, name="crowd", min_submitted=2)
    add_records(dataset, 30)
    labelers = [UserFactory() for _ in range(12)]
    for labeler in labelers:
        MembershipFactory(workspace=people.workspace_a, user=labeler)
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(labelers))

    def work(user) -> None:
        try:
            barrier.wait()
            while (record := queue_next(dataset=dataset, user=user)) is not None:
                response_submit(record=record, user=user, values=full_answer())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(user,)) for user in labelers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    submitted = Response.objects.filter(record__dataset=dataset, status=ResponseStatus.SUBMITTED)
    assert submitted.count() == 60
    assert sorted(Record.objects.filter(dataset=dataset).values_list("submitted_count", flat=True)) == [2] * 30
    assert set(Record.objects.filter(dataset=dataset).values_list("status", flat=True)) == {"completed"}
