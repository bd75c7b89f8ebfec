"""Each wire shape is declared once (`feedback.shapes`): the compiled fast dump must say
exactly what DRF says when it renders the same declaration, for real objects of every
shape, keys in the same order."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from accounts.api_keys import api_key_create
from feedback import shapes
from feedback.models import ExportJob, ImportJob, JobStatus
from feedback.services.gold import record_gold_set
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_save_draft, response_submit
from feedback.services.webhooks import webhook_create
from tests.builders import comparison_dataset, full_answer, record_item


def _as_drf(shape: type[serializers.Serializer], obj: Any, context: dict[str, Any] | None = None) -> Any:
    return json.loads(JSONRenderer().render(shape(obj, context=context or {}).data))


class Checked:
    """Compares a fast dump with DRF's rendering and remembers which shapes it saw."""

    def __init__(self) -> None:
        self.shapes: set[type[serializers.Serializer]] = set()

    def __call__(
        self, shape: type[serializers.Serializer], obj: Any, fast: dict[str, Any], context: dict[str, Any] | None = None
    ) -> None:
        expected = _as_drf(shape, obj, context)
        assert json.loads(json.dumps(fast)) == expected, shape.__name__
        assert list(fast) == list(expected), shape.__name__
        self.shapes.add(shape)


@pytest.fixture
def check() -> Checked:
    return Checked()


def test_every_compiled_dump_says_what_drf_says(people, check: Checked) -> None:
    dataset = comparison_dataset(people.workspace_a, guidelines="Be kind.")
    bare = comparison_dataset(people.workspace_a, name="bare", publish=False)

    for user, context in [
        (people.owner, None),
        (people.admin_a, None),
        (people.labeler_a1, None),
        (people.labeler_a1, True),
        (people.labeler_a1, False),
    ]:
        user.last_name = "" if context else "Lovelace"
        check(
            shapes.UserOut,
            user,
            shapes.user_out(user, is_workspace_admin=context),
            {"is_workspace_admin": context},
        )
    check(shapes.WorkspaceOut, people.workspace_a, shapes.workspace_out(people.workspace_a))

    scoped, key = api_key_create(user=people.admin_a, name="scoped", workspace=people.workspace_a, read_only=True)
    everywhere, _ = api_key_create(user=people.owner, name="everywhere")
    everywhere.last_used_at = timezone.now()
    everywhere.revoked_at = timezone.now() + timedelta(seconds=1)
    for api_key in (scoped, everywhere):
        check(shapes.ApiKeyOut, api_key, shapes.api_key_out(api_key))
    assert shapes.api_key_out(scoped, key) == {**shapes.api_key_out(scoped), "key": key}

    for each in (dataset, bare):
        check(shapes.DatasetOut, each, shapes.dataset_out(each))
        for field in each.fields.all():
            check(shapes.FieldOut, field, shapes.field_out(field))
        for question in each.questions.all():
            check(shapes.QuestionOut, question, shapes.question_out(question))
        for prop in each.metadata_properties.all():
            check(shapes.MetadataPropertyOut, prop, shapes.metadata_property_out(prop))
        for vector_settings in each.vector_settings.all():
            check(shapes.VectorSettingsOut, vector_settings, shapes.vector_settings_out(vector_settings))

    suggested = record_item(
        0,
        suggestions=[
            {"question_name": "quality", "value": 4, "score": 0.75, "agent": "judge-1", "type": "model"},
            {"question_name": "topic", "value": "code"},
        ],
        vectors={"embedding": [0.5, 0.25, 1.0]},
    )
    records = records_bulk_upsert(dataset=dataset, items=[suggested, record_item(1, metadata=None)]).records
    response_submit(record=records[0], user=people.labeler_a1, values=full_answer(), time_spent_seconds=12.5)
    response_save_draft(record=records[0], user=people.labeler_a2, values=None)
    for record in records:
        record.refresh_from_db()
        responses, suggestions = list(record.responses.all()), list(record.suggestions.all())
        for response in responses:
            check(shapes.ResponseOut, response, shapes.response_out(response))
        for suggestion in suggestions:
            check(shapes.SuggestionOut, suggestion, shapes.suggestion_out(suggestion))
        full = shapes.record_out(record, responses=responses, suggestions=suggestions, vectors=list(record.vectors))
        check(shapes.RecordOut, record, full)
        hidden = shapes.record_out(record, metadata_keys={"model"})
        expected = _as_drf(shapes.RecordOut, record, {"metadata_keys": {"model"}})
        assert hidden == {key: value for key, value in expected.items() if key in hidden}
        assert record.metadata is None or hidden["metadata"] == {"model": "a"}
    assert {len(response.values or {}) for response in records[0].responses.all()} == {0, 2}

    for description in ("", "Our labeling bot"):
        webhook = webhook_create(url="https://hooks.example.com/x", events=["record.created"], description=description)
        check(shapes.WebhookOut, webhook, shapes.webhook_out(webhook))

    # Jobs as their workers leave them: the rendering is under test, not the jobs.
    now = timezone.now()
    common = {"dataset": dataset, "workspace": people.workspace_a, "created_by": people.admin_a}
    exports = [
        ExportJob.objects.create(layout="raw", format="jsonl", **common),
        ExportJob.objects.create(
            layout="preference",
            format="parquet",
            options={"min_margin": 1},
            status=JobStatus.FAILED,
            progress=0.5,
            counts={"records": 3},
            error="disk full",
            started_at=now,
            finished_at=now,
            **common,
        ),
    ]
    for job in exports:
        job.refresh_from_db()
        check(shapes.ExportOut, job, shapes.export_out(job))
    imports = [
        ImportJob.objects.create(source_name="a.jsonl", format="jsonl", **common),
        ImportJob.objects.create(
            source_name="b.csv",
            format="csv",
            mapping={"prompt": "question"},
            split="train",
            skip_bad_rows=True,
            status=JobStatus.SUCCEEDED,
            progress=1.0,
            counts={"stored": 2, "skipped": 2},
            errors=[{"row": 3, "column": "prompt", "reason": "missing"}, {"row": None, "column": None, "reason": "x"}],
            error_count=2,
            started_at=now,
            finished_at=now,
            **common,
        ),
    ]
    for job in imports:
        job.refresh_from_db()
        check(shapes.ImportOut, job, shapes.import_out(job))
    golden = record_gold_set(record=records[0], values={"quality": {"value": 4}})
    check(shapes.GoldOut, golden, shapes.gold_out(golden))

    assert check.shapes == set(shapes.DUMPS)


def test_a_moment_is_written_as_python_writes_it_not_as_drf_does() -> None:
    """The wire has always carried `+00:00`; DRF's own DateTimeField would write `Z`."""
    moment = timezone.now()
    assert shapes.Instant().to_representation(moment) == moment.isoformat()
    assert moment.isoformat().endswith("+00:00")


def test_a_field_type_the_compiler_does_not_know_fails_at_import() -> None:
    class Odd(serializers.Serializer):
        when = serializers.DateTimeField()

    with pytest.raises(TypeError, match="Instant"):
        shapes.compile_dump(Odd)
