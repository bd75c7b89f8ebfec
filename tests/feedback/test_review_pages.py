"""The review pages over plain HTTP: the queue, one record's answers side by side, the
final-answer form; walls (404 elsewhere, 403 without the grant); flat query counts."""

from __future__ import annotations

import re

import pytest

from feedback.models import Record, Review, ReviewState
from feedback.services.datasets import dataset_update
from feedback.services.gold import record_gold_set
from feedback.services.responses import response_submit
from feedback.services.reviews import review_open
from tests.builders import add_records, comparison_dataset, full_answer
from tests.factories import MembershipFactory, UserFactory
from tests.feedback.test_labeler_pages import login
from workspaces import access


@pytest.fixture
def dataset(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=2, shuffle_ranking_options=False)
    add_records(dataset, 3)
    return dataset


def disputed(people, record, first=1, second=5, **extra) -> None:
    response_submit(record=record, user=people.labeler_a1, values=full_answer(quality={"value": first}, **extra))
    response_submit(record=record, user=people.labeler_a2, values=full_answer(quality={"value": second}, **extra))


def queue_url(dataset) -> str:
    return f"/datasets/{dataset.pk}/review/"


def review_url(dataset, record) -> str:
    return f"/datasets/{dataset.pk}/review/{record.pk}/"


def settle_form(**overrides) -> dict:
    form = {
        "action": "settle",
        "quality": "3",
        "ranking.response-1": "2",
        "ranking.response-2": "1",
        "ranking.response-3": "3",
        "note": "Both readings are defensible; 3 fits the guidelines.",
    }
    form.update(overrides)
    return form


def test_a_reviewer_sees_the_queue_and_every_answer_then_settles_and_moves_on(people, dataset):
    first, second, _ = dataset.records.order_by("external_id")
    disputed(people, first, comment={"value": "too long"})
    disputed(people, second, 2, 5)
    client = login(people.admin_a)
    queue = client.get(queue_url(dataset))
    assert queue.status_code == 200
    assert "2 pending" in queue.text and "answers disagree" in queue.text
    assert review_url(dataset, first) in queue.text and "1.00" in queue.text and "0.75" in queue.text
    page = client.get(review_url(dataset, first))
    assert page.status_code == 200
    # Who answered what, side by side, and the disagreement per question.
    assert "labeler-a1" in page.text and "labeler-a2" in page.text and "too long" in page.text
    assert "Response 2 &gt; Response 1 &gt; Response 3" in page.text
    # Neither labeler answered a gold record: no accuracy is shown, never a made-up number.
    assert "gold-accuracy" not in page.text
    # The form starts from the unified answer: the median of 1 and 5 is 3.
    assert 'value="3" checked' in page.text
    response = client.post(review_url(dataset, first), settle_form())
    assert response.status_code == 303 and response.url == review_url(dataset, second)
    review = Review.objects.get(record=first)
    assert review.state == ReviewState.SETTLED and review.reviewer == people.admin_a
    assert review.values["quality"] == {"value": 3} and review.note.startswith("Both readings")
    client.post(review_url(dataset, second), settle_form())
    assert client.get(review_url(dataset, second)).status_code == 200  # settled: read-only
    last = client.post(review_url(dataset, second), settle_form())
    assert last.status_code == 303  # already settled: a message, nothing changes
    assert Review.objects.filter(state=ReviewState.SETTLED).count() == 2


def test_the_review_page_shows_each_labelers_gold_accuracy_and_what_it_rests_on(people, dataset):
    first, _, third = dataset.records.order_by("external_id")
    dataset_update(dataset=dataset, gold_min_answers=1)
    record_gold_set(record=third, values={"quality": {"value": 2}})
    response_submit(record=third, user=people.labeler_a1, values=full_answer(quality={"value": 2}))
    response_submit(record=third, user=people.labeler_a2, values=full_answer(quality={"value": 5}))
    disputed(people, first)
    page = login(people.admin_a).get(review_url(dataset, first)).text
    shown = re.findall(r'<small class="gold-accuracy([^"]*)">([^<]*)</small>', page)
    assert shown == [("", "gold 100% of 1"), (" flagged", "gold 0% of 1 · flagged")]


def test_a_bad_final_answer_says_where_and_stores_nothing(people, dataset):
    record = dataset.records.first()
    disputed(people, record)
    client = login(people.admin_a)
    response = client.post(review_url(dataset, record), settle_form(**{"ranking.response-1": "", "note": "\x00"}))
    assert response.status_code == 400
    assert "Rank every response" in response.text
    assert Review.objects.get().state == ReviewState.PENDING
    response = client.post(review_url(dataset, record), settle_form(note="x" * 10_001))
    assert response.status_code == 400 and "at most 10000 characters" in response.text
    assert Review.objects.get().state == ReviewState.PENDING


def test_an_annotator_with_the_grant_reviews_and_one_without_is_forbidden(people, dataset):
    record = dataset.records.first()
    disputed(people, record)
    reviewer = UserFactory(username="reviewer")
    MembershipFactory(workspace=people.workspace_a, user=reviewer)
    client = login(reviewer)
    assert client.get(queue_url(dataset)).status_code == 403
    assert client.get(review_url(dataset, record)).status_code == 403
    assert client.post(review_url(dataset, record), settle_form()).status_code == 403
    access.grant_review(dataset=dataset, user=reviewer)
    assert client.get(queue_url(dataset)).status_code == 200
    assert client.post(review_url(dataset, record), settle_form()).status_code == 303
    assert Review.objects.get().reviewer == reviewer


def test_review_pages_of_other_workspaces_are_404(people, dataset):
    theirs = comparison_dataset(people.workspace_b, name="theirs", min_submitted=1)
    their_record = add_records(theirs, 1)[0]
    review_open(record=their_record, sent_by=people.owner)
    mine = dataset.records.first()
    review_open(record=mine, sent_by=people.admin_a)
    client = login(people.admin_a)
    assert client.get(queue_url(theirs)).status_code == 404
    assert client.get(review_url(theirs, their_record)).status_code == 404
    assert client.post(review_url(theirs, their_record), settle_form()).status_code == 404
    # Their record under my dataset's URL, and a record never queued: 404 too.
    assert client.get(review_url(dataset, their_record)).status_code == 404
    assert client.get(review_url(dataset, dataset.records.exclude(pk=mine.pk).first())).status_code == 404
    assert Review.objects.get(record=their_record).state == ReviewState.PENDING


def test_review_page_query_counts_stay_flat(people, dataset, django_assert_max_num_queries):
    record = dataset.records.first()
    disputed(people, record)
    client = login(people.admin_a)
    with django_assert_max_num_queries(14) as small_queue:
        client.get(queue_url(dataset))
    with django_assert_max_num_queries(16) as small_page:
        client.get(review_url(dataset, record))
    # More records in the queue, more labelers answering the record.
    for n in range(12):
        labeler = UserFactory(username=f"extra-{n}")
        MembershipFactory(workspace=people.workspace_a, user=labeler)
        response_submit(record=record, user=labeler, values=full_answer(quality={"value": n % 5 + 1}))
    for extra in add_records(dataset, 30, start=100):
        review_open(record=extra, sent_by=people.admin_a)
    assert Record.objects.filter(reviews__isnull=False).count() == 31
    with django_assert_max_num_queries(len(small_queue)):
        client.get(queue_url(dataset))
    with django_assert_max_num_queries(len(small_page)):
        assert "extra-11" in client.get(review_url(dataset, record)).text
