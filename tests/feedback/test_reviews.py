"""The review queue through the real services: disputed records are queued when they
complete (page/API writes and bulk upserts), scans and admins' sends, settling."""

from __future__ import annotations

import pytest

from feedback.errors import Conflict, InvalidData
from feedback.models import Review, ReviewReason, ReviewState
from feedback.services.datasets import question_update
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_save_draft, response_submit
from feedback.services.reviews import review_open, review_settle, reviews_scan
from tests.builders import add_records, comparison_dataset, full_answer, record_item


@pytest.fixture
def dataset(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=2)
    add_records(dataset, 3)
    return dataset


def answer_both(people, record, first: int, second: int) -> None:
    response_submit(record=record, user=people.labeler_a1, values=full_answer(quality={"value": first}))
    response_submit(record=record, user=people.labeler_a2, values=full_answer(quality={"value": second}))


def test_a_record_that_completes_disputed_enters_the_queue(people, dataset):
    disputed, agreed = dataset.records.order_by("external_id")[:2]
    answer_both(people, disputed, 1, 5)
    answer_both(people, agreed, 4, 5)  # spread 1/4: below 0.5
    review = Review.objects.get()
    assert (review.record, review.dataset, review.reason, review.state) == (
        disputed,
        dataset,
        ReviewReason.DISAGREEMENT,
        ReviewState.PENDING,
    )
    # Rating 1 and 5 on 1..5: the whole scale; the same ranking: none.
    assert review.disagreement == {"quality": 1.0, "ranking": 0.0}


def test_a_question_threshold_decides(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=2)
    question_update(question=dataset.questions.get(name="quality"), settings={"review_threshold": 0.25})
    record = add_records(dataset, 1)[0]
    answer_both(people, record, 4, 5)
    assert Review.objects.filter(record=record).exists()


def test_only_the_completing_submission_looks_and_drafts_do_not(people, dataset):
    record = dataset.records.first()
    response_save_draft(record=record, user=people.labeler_a1, values={"quality": {"value": 1}})
    response_submit(record=record, user=people.labeler_a1, values=full_answer(quality={"value": 1}))
    assert not Review.objects.exists()
    response_submit(record=record, user=people.labeler_a2, values=full_answer(quality={"value": 5}))
    assert Review.objects.count() == 1
    # Changing a submitted answer after completion queues nothing new.
    response_submit(record=record, user=people.labeler_a2, values=full_answer(quality={"value": 2}))
    assert Review.objects.count() == 1


def test_a_submission_that_completes_nothing_costs_no_extra_query(people, dataset, django_assert_num_queries):
    """The budget of a plain submission (no completion) is what it was before review."""
    first, second = dataset.records.all()[:2]
    response_submit(record=first, user=people.labeler_a1, values=full_answer())
    with django_assert_num_queries(8):
        response_submit(record=second, user=people.labeler_a1, values=full_answer())


def test_bulk_upserts_queue_the_records_they_complete(people, dataset):
    responses = [
        {"user_id": str(people.labeler_a1.pk), "status": "submitted", "values": full_answer(quality={"value": 1})},
        {"user_id": str(people.labeler_a2.pk), "status": "submitted", "values": full_answer(quality={"value": 5})},
    ]
    records_bulk_upsert(dataset=dataset, items=[record_item(9, responses=responses), record_item(10)])
    assert list(Review.objects.values_list("record__external_id", flat=True)) == ["rec-9"]


def test_a_scan_queues_each_disputed_record_once_and_never_a_settled_one(people, dataset):
    first, second, agreed = dataset.records.order_by("external_id")
    answer_both(people, first, 1, 5)
    answer_both(people, second, 2, 5)
    answer_both(people, agreed, 5, 5)
    Review.objects.all().delete()  # as if completed before review existed
    assert reviews_scan(dataset=dataset) == 2
    assert reviews_scan(dataset=dataset) == 0
    review = Review.objects.get(record=first)
    review_settle(review=review, reviewer=people.admin_a, values=full_answer(quality={"value": 3}))
    assert reviews_scan(dataset=dataset) == 0
    assert Review.objects.filter(state=ReviewState.PENDING).count() == 1


def test_an_admin_sends_a_record_once_however_often(people, dataset):
    record = dataset.records.first()
    review = review_open(record=record, sent_by=people.admin_a)
    assert review_open(record=record, sent_by=people.owner) == review
    assert (review.reason, review.sent_by, review.disagreement) == (ReviewReason.SENT, people.admin_a, {})
    assert Review.objects.count() == 1


def test_settling_validates_like_a_submission_and_stores_all_or_nothing(people, dataset):
    record = dataset.records.first()
    answer_both(people, record, 1, 5)
    review = Review.objects.get()
    with pytest.raises(InvalidData) as error:
        review_settle(
            review=review, reviewer=people.admin_a, values={"quality": {"value": 9}}, note="Checked the sources."
        )
    assert {(p.loc, p.msg) for p in error.value.problems} == {
        (("quality", "value"), "9 is not one of the ratings [1, 2, 3, 4, 5]"),
        (("ranking",), "this question is required; answer it to submit"),
    }
    review.refresh_from_db()
    assert (review.state, review.values, review.note) == (ReviewState.PENDING, {}, "")
    settled = review_settle(
        review=review, reviewer=people.admin_a, values=full_answer(quality={"value": 3}), note="Checked the sources."
    )
    settled.refresh_from_db()
    assert settled.state == ReviewState.SETTLED and settled.reviewer == people.admin_a
    assert settled.values["quality"] == {"value": 3} and settled.note == "Checked the sources."
    assert settled.values["ranking"]["value"][0] == {"value": "response-2", "rank": 1}  # normalised as a response
    assert settled.settled_at is not None
    # The labelers' responses are untouched.
    assert sorted(r.values["quality"]["value"] for r in record.responses.all()) == [1, 5]
    with pytest.raises(Conflict):
        review_settle(review=review, reviewer=people.admin_a, values=full_answer())
    # Settled, the record can be sent again: a new pending review.
    assert review_open(record=record, sent_by=people.admin_a).pk != review.pk
