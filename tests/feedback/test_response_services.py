"""Submitting, drafting, discarding and deleting responses; record completion."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from feedback.errors import InvalidData
from feedback.models import Record, RecordStatus, Response, ResponseStatus
from feedback.services.responses import (
    response_delete,
    response_discard,
    response_save_draft,
    response_submit,
)
from tests.builders import add_records, comparison_dataset, full_answer


@pytest.fixture
def record(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=2)
    return add_records(dataset, 1)[0]


def status_of(record: Record) -> tuple[str, int]:
    record.refresh_from_db()
    return record.status, record.submitted_count


def test_record_completes_at_min_submitted_and_reopens_when_a_submission_goes(people, record):
    response_submit(record=record, user=people.labeler_a1, values=full_answer())
    assert status_of(record) == (RecordStatus.PENDING, 1)
    response_save_draft(record=record, user=people.labeler_a2, values={"quality": {"value": 2}})
    assert status_of(record) == (RecordStatus.PENDING, 1)
    second = response_submit(record=record, user=people.labeler_a2, values=full_answer())
    assert status_of(record) == (RecordStatus.COMPLETED, 2)
    response_discard(record=record, user=people.labeler_a2)
    assert status_of(record) == (RecordStatus.PENDING, 1)
    response_submit(record=record, user=people.labeler_a2, values=full_answer())
    response_delete(response=second)
    assert status_of(record) == (RecordStatus.PENDING, 1)


def test_a_late_submission_is_stored_and_counted(people, record):
    response_submit(record=record, user=people.labeler_a1, values=full_answer())
    response_submit(record=record, user=people.labeler_a2, values=full_answer())
    response_submit(record=record, user=people.admin_a, values=full_answer())
    assert status_of(record) == (RecordStatus.COMPLETED, 3)


def test_submitting_twice_is_idempotent(people, record):
    first = response_submit(record=record, user=people.labeler_a1, values=full_answer(), time_spent_seconds=12)
    again = response_submit(record=record, user=people.labeler_a1, values=full_answer(), time_spent_seconds=12)
    assert again.pk == first.pk and again.updated_at == first.updated_at
    assert Response.objects.get().time_spent_seconds == 12
    assert status_of(record) == (RecordStatus.PENDING, 1)


def test_a_write_from_a_stale_version_is_refused_with_the_newer_answer(people, record):
    from feedback.errors import StaleResponse
    from feedback.services.responses import NEW, response_save, response_version

    first = response_save(
        record=record, user=people.labeler_a1, values=full_answer(), status=ResponseStatus.SUBMITTED, version=NEW
    )
    with pytest.raises(StaleResponse) as refused:  # e.g. a second tab opened before the first submitted
        response_save(
            record=record,
            user=people.labeler_a1,
            values=full_answer(quality={"value": 1}),
            status=ResponseStatus.SUBMITTED,
            version=NEW,
        )
    assert refused.value.response.pk == first.pk and refused.value.response.values["quality"] == {"value": 4}
    assert Response.objects.get().values["quality"] == {"value": 4}
    # The same answer again (a double click) is no conflict: nothing changes.
    again = response_save(
        record=record, user=people.labeler_a1, values=full_answer(), status=ResponseStatus.SUBMITTED, version=NEW
    )
    assert response_version(again) == response_version(first)
    # From the version shown, the write goes through; without a version, the last write wins.
    replaced = response_save(
        record=record,
        user=people.labeler_a1,
        values=full_answer(quality={"value": 1}),
        status=ResponseStatus.SUBMITTED,
        version=response_version(first),
    )
    assert replaced.values["quality"] == {"value": 1} and response_version(replaced) != response_version(first)
    response_submit(record=record, user=people.labeler_a1, values=full_answer(quality={"value": 2}))
    assert Response.objects.get().values["quality"] == {"value": 2}


def test_time_spent_adds_up_across_saves(people, record):
    response_save_draft(record=record, user=people.labeler_a1, values={"quality": {"value": 2}}, time_spent_seconds=30)
    response = response_submit(record=record, user=people.labeler_a1, values=full_answer(), time_spent_seconds=20)
    assert response.time_spent_seconds == 50 and response.submitted_at is not None


def test_invalid_submissions_store_nothing(people, record):
    with pytest.raises(InvalidData) as error:
        response_submit(record=record, user=people.labeler_a1, values={"quality": {"value": 4}})
    assert error.value.problems[0].loc == ("ranking",)
    with pytest.raises(InvalidData, match="status"):
        from feedback.services.responses import response_save

        response_save(record=record, user=people.labeler_a1, values={}, status="finished")
    with pytest.raises(InvalidData, match="time_spent"):
        response_submit(record=record, user=people.labeler_a1, values=full_answer(), time_spent_seconds=-1)
    assert not Response.objects.exists()


def test_drafts_and_discards_keep_partial_values(people, record):
    draft = response_save_draft(
        record=record, user=people.labeler_a1, values={"ranking": {"value": [{"value": "response-3"}]}}
    )
    assert draft.status == ResponseStatus.DRAFT
    assert draft.values == {"ranking": {"value": [{"value": "response-3", "rank": 1}]}}
    discarded = response_discard(record=record, user=people.labeler_a1)
    assert discarded.pk == draft.pk and discarded.status == ResponseStatus.DISCARDED


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_by_one_user_leave_one_response(people):
    dataset = comparison_dataset(people.workspace_a, name="race")
    record = add_records(dataset, 1)[0]
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def submit(n: int) -> None:
        try:
            barrier.wait()
            response_submit(record=record, user=people.labeler_a1, values=full_answer(quality={"value": 1 + n % 5}))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Response.objects.filter(record=record).count() == 1
    assert status_of(record) == (RecordStatus.COMPLETED, 1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_by_many_users_are_all_counted(people):
    from tests.factories import MembershipFactory, UserFactory

    dataset = comparison_dataset(people.workspace_a, name="crowd", min_submitted=3)
    record = add_records(dataset, 1)[0]
    labelers = [UserFactory() for _ in range(10)]
    for labeler in labelers:
        MembershipFactory(workspace=people.workspace_a, user=labeler)
    barrier = threading.Barrier(len(labelers))
    errors: list[BaseException] = []

    def submit(user) -> None:
        try:
            barrier.wait()
            response_submit(record=record, user=user, values=full_answer())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(user,)) for user in labelers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert status_of(record) == (RecordStatus.COMPLETED, 10)
