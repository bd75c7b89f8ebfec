"""Creating, publishing and changing datasets and their schema."""

from __future__ import annotations

import pytest

from feedback.errors import Conflict, InvalidData
from feedback.models import DatasetStatus, RecordStatus
from feedback.services.datasets import (
    dataset_create,
    dataset_publish,
    dataset_update,
    field_create,
    field_delete,
    field_update,
    metadata_property_create,
    question_create,
    question_delete,
    question_update,
)
from feedback.services.responses import response_submit
from tests.builders import add_records, comparison_dataset, full_answer


@pytest.fixture
def draft(people):
    return dataset_create(workspace=people.workspace_a, name="draft")


def test_publish_needs_a_field_and_a_required_question(draft):
    with pytest.raises(InvalidData) as error:
        dataset_publish(dataset=draft)
    assert {problem.loc for problem in error.value.problems} == {("fields",), ("questions",)}
    field_create(dataset=draft, name="prompt")
    question_create(dataset=draft, name="note", type="text", required=False)
    with pytest.raises(InvalidData, match="required question"):
        dataset_publish(dataset=draft)
    question_create(dataset=draft, name="answer", type="text")
    published = dataset_publish(dataset=draft)
    assert published.status == DatasetStatus.READY and published.published_at is not None
    assert dataset_publish(dataset=published).published_at == published.published_at


def test_names_are_unique_per_workspace_only(people, draft):
    with pytest.raises(Conflict):
        dataset_create(workspace=people.workspace_a, name="draft")
    assert dataset_create(workspace=people.workspace_b, name="draft").name == "draft"


def test_bad_names_and_settings_are_refused(people, draft):
    with pytest.raises(InvalidData, match="name"):
        field_create(dataset=draft, name="Has Spaces")
    with pytest.raises(InvalidData, match="min_submitted"):
        dataset_update(dataset=draft, min_submitted=0)
    with pytest.raises(InvalidData, match="unknown dataset settings"):
        dataset_create(workspace=people.workspace_a, name="x", colour="blue")
    with pytest.raises(InvalidData, match="NUL"):
        dataset_update(dataset=draft, guidelines="a\x00b")
    with pytest.raises(InvalidData, match="no text field named 'nope'"):
        question_create(
            dataset=draft, name="spans", type="span", settings={"field": "nope", "options": [{"value": "a"}]}
        )


def test_published_schema_cannot_grow_shrink_or_retype(people):
    dataset = comparison_dataset(people.workspace_a)
    prompt = dataset.fields.get(name="prompt")
    quality = dataset.questions.get(name="quality")
    with pytest.raises(InvalidData, match="not possible once the dataset is published"):
        field_create(dataset=dataset, name="extra")
    with pytest.raises(InvalidData, match="not possible once the dataset is published"):
        question_create(dataset=dataset, name="extra", type="text")
    with pytest.raises(InvalidData, match="not possible once the dataset is published"):
        field_delete(field=prompt)
    with pytest.raises(InvalidData, match="not possible once the dataset is published"):
        question_delete(question=quality)
    with pytest.raises(InvalidData, match="cannot change type"):
        question_update(question=quality, type="text", settings={})
    with pytest.raises(InvalidData, match="cannot change type"):
        field_update(field=prompt, type="chat")
    with pytest.raises(InvalidData, match="'required'"):
        question_update(question=quality, required=False)
    # Titles, descriptions and display settings still change.
    assert question_update(question=quality, title="Overall quality").title == "Overall quality"
    assert field_update(field=prompt, settings={"use_markdown": False}).settings == {"use_markdown": False}
    # Metadata properties may be added after publishing.
    assert metadata_property_create(dataset=dataset, name="source", type="terms").settings == {"values": None}


def test_options_in_use_cannot_be_removed_but_unused_ones_can(people):
    dataset = comparison_dataset(people.workspace_a)
    record = add_records(dataset, 1)[0]
    response_submit(
        record=record,
        user=people.labeler_a1,
        values=full_answer(topic={"value": "code"}, failures={"value": ["harmful"]}),
    )
    topic = dataset.questions.get(name="topic")
    with pytest.raises(InvalidData, match=r"\['code'\] are used by answers"):
        question_update(question=topic, settings={"options": [{"value": "other", "text": "Other"}, {"value": "math"}]})
    updated = question_update(
        question=topic, settings={"options": [{"value": "code", "text": "Code"}, {"value": "math", "text": "Math"}]}
    )
    assert [option["value"] for option in updated.settings["options"]] == ["code", "math"]
    failures = dataset.questions.get(name="failures")
    with pytest.raises(InvalidData, match="harmful"):
        question_update(question=failures, settings={"options": [{"value": "x"}, {"value": "hallucination"}]})
    quality = dataset.questions.get(name="quality")
    with pytest.raises(InvalidData, match=r"\[4\]"):
        question_update(question=quality, settings={"options": [{"value": 1}, {"value": 2}]})
    ranking = dataset.questions.get(name="ranking")
    with pytest.raises(InvalidData, match="ranking's options cannot change"):
        question_update(
            question=ranking,
            settings={"options": [*ranking.settings["options"], {"value": "response-4", "text": "4"}]},
        )


def test_an_option_used_only_by_a_suggestion_is_kept_too(people):
    dataset = comparison_dataset(people.workspace_a)
    topic = dataset.questions.get(name="topic")
    from feedback.services.records import records_bulk_upsert
    from tests.builders import record_item

    records_bulk_upsert(
        dataset=dataset, items=[record_item(1, suggestions=[{"question_id": str(topic.id), "value": "other"}])]
    )
    with pytest.raises(InvalidData, match="other"):
        question_update(question=topic, settings={"options": [{"value": "code"}, {"value": "x"}]})


def test_changing_the_overlap_recomputes_record_status(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=2)
    record = add_records(dataset, 1)[0]
    response_submit(record=record, user=people.labeler_a1, values=full_answer())
    record.refresh_from_db()
    assert (record.status, record.submitted_count) == (RecordStatus.PENDING, 1)
    dataset_update(dataset=dataset, min_submitted=1)
    record.refresh_from_db()
    assert record.status == RecordStatus.COMPLETED


def test_a_draft_schema_is_freely_editable(draft):
    field = field_create(dataset=draft, name="prompt")
    question = question_create(dataset=draft, name="q", type="text")
    question = question_update(question=question, type="rating", settings={"options": [{"value": 1}, {"value": 2}]})
    assert question.type == "rating" and question.settings == {"options": [{"value": 1}, {"value": 2}]}
    question_delete(question=question)
    field_delete(field=field)
    assert not draft.fields.exists() and not draft.questions.exists()


def test_deleting_vector_settings_drops_those_vectors_only(people):
    from feedback.models import Record
    from feedback.services.datasets import vector_settings_create, vector_settings_delete
    from feedback.services.records import records_bulk_upsert
    from tests.builders import record_item

    dataset = comparison_dataset(people.workspace_a)
    vector_settings_create(dataset=dataset, name="other", dimensions=2)
    records_bulk_upsert(
        dataset=dataset,
        items=[record_item(1, vectors={"embedding": [1, 2, 3], "other": [1, 0]}), record_item(2)],
    )
    vector_settings_delete(vector_settings=dataset.vector_settings.get(name="embedding"))
    assert dict(Record.objects.values_list("external_id", "vectors")) == {"rec-1": {"other": [1.0, 0.0]}, "rec-2": {}}
