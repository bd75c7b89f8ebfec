"""Bulk upsert of records: all or nothing, idempotent, errors with position and field."""

from __future__ import annotations

import pytest
from django.test.utils import override_settings

from feedback.errors import InvalidData
from feedback.models import Record, Response, ResponseStatus, Suggestion
from feedback.services.datasets import dataset_create
from feedback.services.records import TooManyItems, records_bulk_upsert, records_delete
from tests.builders import comparison_dataset, full_answer, record_item


@pytest.fixture
def dataset(people):
    return comparison_dataset(people.workspace_a)


def suggestion(dataset, question: str, value, **extra):
    return {"question_id": str(dataset.questions.get(name=question).id), "value": value, **extra}


def test_creates_records_with_suggestions_vectors_and_responses(people, dataset):
    item = record_item(
        1,
        suggestions=[
            suggestion(dataset, "quality", 4, score=0.9, agent="gpt-judge", type="model"),
            {"question_name": "failures", "value": ["harmful"], "score": [0.7]},
        ],
        vectors={"embedding": [0.1, 0.2, 0.3]},
        responses=[{"user_id": str(people.labeler_a1.id), "values": full_answer(), "status": "submitted"}],
    )
    result = records_bulk_upsert(dataset=dataset, items=[item])
    record = Record.objects.get(external_id="rec-1")
    assert result.created_ids == [record.id] and result.updated_ids == []
    assert record.fields == item["fields"] and record.metadata == item["metadata"]
    assert record.vectors == {"embedding": [0.1, 0.2, 0.3]}
    assert {(s.question.name, str(s.value), str(s.score)) for s in record.suggestions.select_related("question")} == {
        ("quality", "4", "0.9"),
        ("failures", "['harmful']", "[0.7]"),
    }
    assert record.status == "completed" and record.submitted_count == 1
    assert result.records[0].status == "completed"


def test_one_bad_item_stores_nothing_and_every_problem_is_reported(dataset):
    items = [
        record_item(0),
        record_item(1, fields={"prompt": 5}),
        record_item(2, metadata={"length": "long"}),
        record_item(3, suggestions=[suggestion(dataset, "quality", 9)]),
        record_item(4, vectors={"embedding": [1, 2]}),
        record_item(5, fields={"response-1": "only one"}),
    ]
    with pytest.raises(InvalidData) as error:
        records_bulk_upsert(dataset=dataset, items=items)
    locs = {problem.loc for problem in error.value.problems}
    assert ("items", 1, "fields", "prompt") in locs
    assert ("items", 2, "metadata", "length") in locs
    assert ("items", 3, "suggestions", 0, "quality", "value") in locs
    assert ("items", 4, "vectors", "embedding") in locs
    assert ("items", 5, "fields", "prompt") in locs  # required field missing
    assert not any(loc[1] == 0 for loc in locs)
    assert Record.objects.count() == 0


@pytest.mark.parametrize(
    ("item", "where", "message"),
    [
        (
            {"fields": {"prompt": "x", "response-1": "a", "response-2": "b", "response-3": "c", "nope": "?"}},
            ("fields", "nope"),
            "no field named",
        ),
        ({"metadata": {"model": "zzz"}}, ("metadata", "model"), "not among the allowed values"),
        ({"metadata": {"temperature": 3.5}}, ("metadata", "temperature"), "outside the range"),
        ({"metadata": {"length": float("nan")}}, ("metadata", "length"), "finite"),
        ({"fields": {"prompt": "a\x00b"}}, ("fields", "prompt"), "NUL"),
        ({"external_id": ""}, ("external_id",), "1 to 500"),
        (
            {"suggestions": [{"question_id": "not-a-question", "value": 1}]},
            ("suggestions", 0, "question_id"),
            "no question",
        ),
        (
            {"suggestions": [{"question_name": "quality", "value": 3, "score": [0.5]}]},
            ("suggestions", 0, "score"),
            "single",
        ),
        (
            {"responses": [{"user_id": "00000000-0000-0000-0000-000000000000", "values": {}, "status": "submitted"}]},
            ("responses", 0, "user_id"),
            "no user",
        ),
        ({"id": "not-a-uuid"}, ("id",), "not a UUID"),
    ],
)
def test_item_problems_are_located(dataset, item, where, message):
    raw = record_item(7)
    raw.update(item)
    if "fields" in item and "prompt" not in item["fields"]:
        raw["fields"] = {**record_item(7)["fields"], **item["fields"]}
    with pytest.raises(InvalidData) as error:
        records_bulk_upsert(dataset=dataset, items=[raw])
    assert any(problem.loc == ("items", 0, *where) and message in problem.msg for problem in error.value.problems), (
        error.value.problems
    )
    assert Record.objects.count() == 0


def test_responses_of_people_outside_the_dataset_are_refused(people, dataset):
    raw = record_item(
        1, responses=[{"user_id": str(people.labeler_b.id), "values": full_answer(), "status": "submitted"}]
    )
    with pytest.raises(InvalidData, match="who may annotate"):
        records_bulk_upsert(dataset=dataset, items=[raw])


def test_resending_a_batch_changes_nothing(people, dataset):
    items = [
        record_item(
            n,
            suggestions=[suggestion(dataset, "quality", 3)],
            responses=[{"user_id": str(people.labeler_a1.id), "values": full_answer(), "status": "submitted"}],
        )
        for n in range(5)
    ]
    first = records_bulk_upsert(dataset=dataset, items=items)
    stamps = {r.id: r.updated_at for r in Record.objects.all()}
    suggestion_stamps = sorted(Suggestion.objects.values_list("updated_at", flat=True))
    response_stamps = sorted(Response.objects.values_list("updated_at", flat=True))
    second = records_bulk_upsert(dataset=dataset, items=items)
    assert second.updated_ids == first.created_ids and second.created_ids == []
    for result in (first, second):
        assert [len(result.responses[pk]) for pk in first.created_ids] == [1] * 5
        assert [len(result.suggestions[pk]) for pk in first.created_ids] == [1] * 5
    assert Record.objects.count() == 5 and Suggestion.objects.count() == 5 and Response.objects.count() == 5
    assert {r.id: r.updated_at for r in Record.objects.all()} == stamps
    assert sorted(Suggestion.objects.values_list("updated_at", flat=True)) == suggestion_stamps
    assert sorted(Response.objects.values_list("updated_at", flat=True)) == response_stamps


def test_upsert_matches_by_external_id_then_id_and_replaces_fields(dataset):
    created = records_bulk_upsert(dataset=dataset, items=[record_item(1), record_item(2)]).records
    by_external = record_item(1, fields={**record_item(1)["fields"], "prompt": "changed"})
    by_id = {"id": str(created[1].id), "metadata": {"model": "b"}}
    result = records_bulk_upsert(dataset=dataset, items=[by_external, by_id])
    assert result.updated_ids == [created[0].id, created[1].id]
    first, second = Record.objects.get(pk=created[0].id), Record.objects.get(pk=created[1].id)
    assert first.fields["prompt"] == "changed"
    assert second.metadata == {"model": "b"} and second.fields == record_item(2)["fields"]


def test_an_id_from_another_dataset_never_touches_that_record(people, dataset):
    other = comparison_dataset(people.workspace_b, name="other")
    foreign = records_bulk_upsert(dataset=other, items=[record_item(1)]).records[0]
    result = records_bulk_upsert(dataset=dataset, items=[{**record_item(9), "id": str(foreign.id)}])
    assert result.created_ids and result.created_ids[0] != foreign.id
    foreign.refresh_from_db()
    assert foreign.dataset_id == other.id and foreign.external_id == "rec-1"


def test_duplicates_inside_one_batch_are_refused(dataset):
    with pytest.raises(InvalidData, match="also appears at position 0"):
        records_bulk_upsert(dataset=dataset, items=[record_item(1), record_item(1)])


def test_suggestions_are_upserted_per_question(dataset):
    records_bulk_upsert(dataset=dataset, items=[record_item(1, suggestions=[suggestion(dataset, "quality", 2)])])
    records_bulk_upsert(
        dataset=dataset,
        items=[
            record_item(
                1, suggestions=[suggestion(dataset, "quality", 5, agent="v2"), suggestion(dataset, "topic", "code")]
            )
        ],
    )
    values = dict(Suggestion.objects.values_list("question__name", "value"))
    assert values == {"quality": 5, "topic": "code"}


def test_limits_and_draft_datasets(people, dataset):
    with override_settings(FEEDLOOP_BULK_MAX_RECORDS=2), pytest.raises(TooManyItems):
        records_bulk_upsert(dataset=dataset, items=[record_item(n) for n in range(3)])
    draft = dataset_create(workspace=people.workspace_a, name="not-yet")
    with pytest.raises(InvalidData, match="publish the dataset"):
        records_bulk_upsert(dataset=draft, items=[record_item(1)])


def test_create_only_never_matches(dataset):
    records_bulk_upsert(dataset=dataset, items=[record_item(1)], create_only=True)
    with pytest.raises(Exception):  # noqa: B017 - the unique external id stops the duplicate
        records_bulk_upsert(dataset=dataset, items=[record_item(1)], create_only=True)
    assert Record.objects.count() == 1


def test_delete_records_only_of_the_dataset(people, dataset):
    other = comparison_dataset(people.workspace_b, name="other")
    mine = records_bulk_upsert(dataset=dataset, items=[record_item(1)]).records[0]
    theirs = records_bulk_upsert(dataset=other, items=[record_item(1)]).records[0]
    assert records_delete(dataset=dataset, record_ids=[mine.id, theirs.id]) == 1
    assert Record.objects.filter(pk=theirs.id).exists() and not Record.objects.filter(pk=mine.id).exists()


def test_response_statuses_in_bulk_drive_completion(people):
    dataset = comparison_dataset(people.workspace_a, name="two", min_submitted=2)
    user_ids = [str(people.labeler_a1.id), str(people.labeler_a2.id)]
    items = [
        record_item(1, responses=[{"user_id": uid, "values": full_answer(), "status": "submitted"} for uid in user_ids])
    ]
    records_bulk_upsert(dataset=dataset, items=items)
    record = Record.objects.get()
    assert (record.status, record.submitted_count) == ("completed", 2)
    items[0]["responses"][1]["status"] = ResponseStatus.DRAFT
    records_bulk_upsert(dataset=dataset, items=items)
    record.refresh_from_db()
    assert (record.status, record.submitted_count) == ("pending", 1)


def test_bulk_upsert_query_count_does_not_grow_with_the_batch(people, dataset, django_assert_max_num_queries):
    def batch(start: int, size: int) -> list[dict]:
        return [
            record_item(
                n,
                suggestions=[suggestion(dataset, "quality", 3)],
                responses=[{"user_id": str(people.labeler_a1.id), "values": full_answer(), "status": "submitted"}],
            )
            for n in range(start, start + size)
        ]

    small, large = batch(0, 5), batch(100, 200)
    with django_assert_max_num_queries(30):
        records_bulk_upsert(dataset=dataset, items=small)
    with django_assert_max_num_queries(30):
        records_bulk_upsert(dataset=dataset, items=large)
    with django_assert_max_num_queries(30):
        records_bulk_upsert(dataset=dataset, items=large)  # the idempotent re-send
