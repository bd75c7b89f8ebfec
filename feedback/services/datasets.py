"""Datasets and their schema: fields, questions, metadata properties, vector settings.

The schema rules, each enforced here and nowhere else:
* a dataset is published (`ready`) only with at least one field and one required question;
* fields and questions are added only while the dataset is a draft; once published they
  are never deleted or retyped, and `required` no longer changes;
* an option that a response or a suggestion uses is never removed from a question, and
  a ranking's options do not change at all once answers exist (every ranking covers all
  options).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import F, Func, JSONField, Value
from django.utils import timezone

from feedback import questions as question_rules
from feedback import schema
from feedback.errors import InvalidData, Problem
from feedback.models import (
    Dataset,
    DatasetStatus,
    Field,
    FieldType,
    MetadataProperty,
    MetadataType,
    Question,
    Record,
    Response,
    Suggestion,
    VectorSettings,
)
from feedback.services._common import unique_name, validate_model_fields
from feedback.services.responses import record_status_for
from feedback.services.webhooks import webhook_notify
from feedback.storable import json_problems, text_problem
from feedback.webhooks import dataset_data
from workspaces import audit
from workspaces.models import Workspace

DATASET_EDITABLE = (
    "name",
    "guidelines",
    "allow_extra_metadata",
    "min_submitted",
    "lease_seconds",
    "allow_labeler_records",
    "shuffle_ranking_options",
    "annotators_restricted",
    "metadata",
    "leaderboard_models",
    "gold_rate",
    "gold_threshold",
    "gold_min_answers",
    "gold_pause_flagged",
)

# What the audit log records of each schema item (besides its name, when it is added).
FIELD_AUDITED = ("title", "type", "required", "settings")
QUESTION_AUDITED = ("title", "description", "type", "required", "settings")
METADATA_PROPERTY_AUDITED = ("title", "type", "settings", "visible_for_annotators")
VECTOR_SETTINGS_AUDITED = ("title", "dimensions")


def _check_dataset_metadata(metadata: Any) -> None:
    if metadata is not None and not isinstance(metadata, Mapping):
        raise InvalidData.at(("metadata",), "must be an object or null")
    if metadata is not None and (problems := json_problems(dict(metadata), ("metadata",))):
        raise InvalidData(problems)


def check_leaderboard_models(dataset: Dataset, value: Any) -> None:
    """`leaderboard_models` maps response fields to the record metadata key naming their
    model: keys are the dataset's text fields, values metadata keys the records may carry
    (a declared `terms` property, or any key when the dataset allows extra metadata)."""
    if not isinstance(value, Mapping):
        raise InvalidData.at(("leaderboard_models",), "must be an object of {field name: metadata key}")
    saved = not dataset._state.adding  # a dataset being created has no fields yet
    text_fields = set(dataset.fields.filter(type=FieldType.TEXT).values_list("name", flat=True)) if saved else set()
    properties = dict(dataset.metadata_properties.values_list("name", "type")) if saved else {}
    problems = []
    for field_name, key in value.items():
        loc = ("leaderboard_models", field_name)
        if field_name not in text_fields:
            problems.append(Problem(loc, f"no text field named {field_name!r} in this dataset"))
        elif not isinstance(key, str) or not 1 <= len(key) <= 200 or text_problem(key):
            problems.append(Problem(loc, "must be a metadata key (text of 1 to 200 characters)"))
        elif key in properties and properties[key] != MetadataType.TERMS:
            problems.append(Problem(loc, f"the metadata property {key!r} is not a terms property (a model name)"))
        elif key not in properties and not dataset.allow_extra_metadata:
            problems.append(
                Problem(loc, f"no metadata property named {key!r}, and this dataset accepts no other metadata keys")
            )
    if problems:
        raise InvalidData(problems)


@transaction.atomic
def dataset_create(*, workspace: Workspace, name: str, **options: Any) -> Dataset:
    """Create a draft dataset in `workspace`. `options` are any of DATASET_EDITABLE."""
    unknown = set(options) - set(DATASET_EDITABLE)
    if unknown:
        raise InvalidData.at((), f"unknown dataset settings: {sorted(unknown)}")
    _check_dataset_metadata(options.get("metadata"))
    if options.get("guidelines") is None:
        options.pop("guidelines", None)
    dataset = Dataset(workspace=workspace, name=name, **options)
    if "leaderboard_models" in options:
        check_leaderboard_models(dataset, options["leaderboard_models"])
    validate_model_fields(dataset)
    with unique_name(f"a dataset named {name!r} in this workspace"):
        dataset.save()
    audit.created(dataset, verb="dataset created", fields=DATASET_EDITABLE, workspace_id=dataset.workspace_id)
    webhook_notify("dataset.created", lambda: [dataset_data(dataset)])
    return dataset


@transaction.atomic
def dataset_update(*, dataset: Dataset, **changes: Any) -> Dataset:
    """Change a dataset's settings; a new `min_submitted` recomputes every record's status."""
    unknown = set(changes) - set(DATASET_EDITABLE)
    if unknown:
        raise InvalidData.at((), f"unknown dataset settings: {sorted(unknown)}")
    if "metadata" in changes:
        _check_dataset_metadata(changes["metadata"])
    if changes.get("guidelines", "") is None:
        changes["guidelines"] = ""
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    before = audit.snapshot(dataset, changes)
    overlap_changed = "min_submitted" in changes and changes["min_submitted"] != dataset.min_submitted
    for key, value in changes.items():
        setattr(dataset, key, value)
    if "leaderboard_models" in changes:
        check_leaderboard_models(dataset, changes["leaderboard_models"])
    validate_model_fields(dataset)
    with unique_name(f"a dataset named {dataset.name!r} in this workspace"):
        dataset.save()
    if overlap_changed:
        # Records whose status changes here send no record events (as in Argilla 2.8,
        # which only re-derives them in a background job); `dataset.updated` says why.
        Record.objects.filter(dataset=dataset).update(status=record_status_for(dataset.min_submitted))
    audit.updated(dataset, before, verb="dataset changed", workspace_id=dataset.workspace_id)
    webhook_notify("dataset.updated", lambda: [dataset_data(dataset)])
    return dataset


@transaction.atomic
def dataset_publish(*, dataset: Dataset) -> Dataset:
    """Open the dataset for annotation. Publishing a published dataset changes nothing."""
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    if dataset.is_published:
        return dataset
    problems = []
    if not dataset.fields.exists():
        problems.append(Problem(("fields",), "add at least one field before publishing"))
    if not dataset.questions.filter(required=True).exists():
        problems.append(Problem(("questions",), "add at least one required question before publishing"))
    if problems:
        raise InvalidData(problems)
    before = audit.snapshot(dataset, ["status"])
    dataset.status = DatasetStatus.READY
    dataset.published_at = timezone.now()
    dataset.save(update_fields=["status", "published_at", "updated_at"])
    audit.updated(dataset, before, verb="dataset published", workspace_id=dataset.workspace_id)
    webhook_notify("dataset.published", lambda: [dataset_data(dataset)])
    return dataset


@transaction.atomic
def dataset_delete(*, dataset: Dataset) -> None:
    """Delete the dataset with its schema, records, suggestions and responses.
    `dataset.deleted` carries the dataset as it was; its records send no events."""
    webhook_notify("dataset.deleted", lambda: [dataset_data(dataset)])
    audit.deleted(dataset, verb="dataset deleted", fields=["name"], workspace_id=dataset.workspace_id)
    Dataset.objects.filter(pk=dataset.pk).delete()


SchemaItem = Field | Question | MetadataProperty | VectorSettings


def _item_label(item: SchemaItem) -> str:
    return f"{item.name} in {item.dataset.name}"


def _audit_created(item: SchemaItem, verb: str, fields: tuple[str, ...]) -> None:
    workspace_id = item.dataset.workspace_id
    audit.created(item, verb=verb, fields=("name", *fields), workspace_id=workspace_id, label=_item_label(item))


def _audit_updated(item: SchemaItem, verb: str, before: dict[str, Any]) -> None:
    audit.updated(item, before, verb=verb, workspace_id=item.dataset.workspace_id, label=_item_label(item))


def _audit_deleted(item: SchemaItem, verb: str) -> None:
    audit.deleted(item, verb=verb, fields=["name"], workspace_id=item.dataset.workspace_id, label=_item_label(item))


def _require_draft(dataset: Dataset, what: str) -> None:
    if dataset.is_published:
        raise InvalidData.at((), f"{what} is not possible once the dataset is published")


def _next_position(queryset: Any) -> int:
    last = queryset.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


# Fields ------------------------------------------------------------------------------


@transaction.atomic
def field_create(
    *,
    dataset: Dataset,
    name: str,
    title: str | None = None,
    type: str = "text",
    required: bool = True,
    settings: Mapping[str, Any] | None = None,
) -> Field:
    """Add a field to a draft dataset."""
    _require_draft(dataset, "adding a field")
    field = Field(
        dataset=dataset,
        name=name,
        title=title or name,
        type=type,
        required=required,
        settings=schema.clean_field_settings(type, settings),
        position=_next_position(dataset.fields.all()),
    )
    validate_model_fields(field)
    with unique_name(f"a field named {name!r} in this dataset"):
        field.save()
    _audit_created(field, "field added", FIELD_AUDITED)
    return field


@transaction.atomic
def field_update(
    *,
    field: Field,
    title: str | None = None,
    type: str | None = None,
    required: bool | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Field:
    """Change a field's title or settings; its type and `required` only while a draft."""
    field = Field.objects.select_related("dataset").select_for_update(of=("self",)).get(pk=field.pk)
    before = audit.snapshot(field, FIELD_AUDITED)
    published = field.dataset.is_published
    if type is not None and type != field.type:
        if published:
            raise InvalidData.at(("type",), "a published dataset's field cannot change type")
        field.type = type
    if required is not None and required != field.required:
        if published:
            raise InvalidData.at(("required",), "a published dataset's field cannot change 'required'")
        field.required = required
    if settings is not None:
        field.settings = schema.clean_field_settings(field.type, {**field.settings, **settings})
    if title is not None:
        field.title = title
    validate_model_fields(field)
    field.save()
    _audit_updated(field, "field changed", before)
    return field


# The types whose settings name a text field (spans): that field cannot be deleted under them.
_FIELD_MARKING_TYPES = [name for name, kind in question_rules.KINDS.items() if kind.marks_field]


@transaction.atomic
def field_delete(*, field: Field) -> None:
    _require_draft(field.dataset, "deleting a field")
    span_questions = [
        question.name
        for question in field.dataset.questions.filter(type__in=_FIELD_MARKING_TYPES)
        if question.settings.get("field") == field.name
    ]
    if span_questions:
        raise InvalidData.at((), f"span questions {span_questions} mark spans in this field; delete them first")
    _audit_deleted(field, "field deleted")
    field.delete()


# Questions ---------------------------------------------------------------------------


def _check_span_field(dataset: Dataset, settings: Mapping[str, Any]) -> None:
    if not dataset.fields.filter(name=settings["field"], type="text").exists():
        raise InvalidData.at(("settings", "field"), f"no text field named {settings['field']!r} in this dataset")


@transaction.atomic
def question_create(
    *,
    dataset: Dataset,
    name: str,
    type: str,
    settings: Mapping[str, Any] | None = None,
    title: str | None = None,
    description: str | None = None,
    required: bool = True,
) -> Question:
    """Add a question to a draft dataset; `settings` are validated for its type."""
    _require_draft(dataset, "adding a question")
    cleaned = question_rules.clean_settings(type, settings or {})
    if question_rules.kind_of(type).marks_field:
        _check_span_field(dataset, cleaned)
    question = Question(
        dataset=dataset,
        name=name,
        title=title or name,
        description=description or "",
        type=type,
        required=required,
        settings=cleaned,
        position=_next_position(dataset.questions.all()),
    )
    validate_model_fields(question)
    with unique_name(f"a question named {name!r} in this dataset"):
        question.save()
    _audit_created(question, "question added", QUESTION_AUDITED)
    return question


def options_in_use(question: Question) -> set[Any]:
    """Every option value that a response or a suggestion to `question` uses."""
    kind = question_rules.kind_of(question.type)
    used: set[Any] = set()
    responses = Response.objects.filter(record__dataset_id=question.dataset_id, values__has_key=question.name)
    for values in responses.values_list("values", flat=True).iterator(chunk_size=2000):
        used |= kind.used_options(values[question.name]["value"])
    for value in Suggestion.objects.filter(question=question).values_list("value", flat=True).iterator(chunk_size=2000):
        used |= kind.used_options(value)
    return used


def _has_answers(question: Question) -> bool:
    return (
        Response.objects.filter(record__dataset_id=question.dataset_id, values__has_key=question.name).exists()
        or Suggestion.objects.filter(question=question).exists()
    )


def check_question_change(question: Question, *, type: str, required: bool, settings: Mapping[str, Any]) -> dict:
    """Validate a change of a saved question; returns the cleaned settings.

    Used by `question_update` and by the admin's form validation, so that both refuse
    the same changes with the same messages.
    """
    published = question.dataset.is_published
    if type != question.type and published:
        raise InvalidData.at(("type",), "a published dataset's question cannot change type")
    if required != question.required and published:
        raise InvalidData.at(("required",), "a published dataset's question cannot change 'required'")
    base = question.settings if type == question.type else {}
    cleaned = question_rules.clean_settings(type, {**base, **settings})
    kind = question_rules.kind_of(type)
    if kind.marks_field:
        if published and cleaned["field"] != question.settings.get("field"):
            raise InvalidData.at(("settings", "field"), "a published span question cannot move to another field")
        _check_span_field(question.dataset, cleaned)
    if type == question.type and "options" in cleaned:
        old = set(kind.option_values(question.settings))
        new = set(kind.option_values(cleaned))
        if kind.options_frozen_once_answered and old != new and _has_answers(question):
            raise InvalidData.at(
                ("settings", "options"), "a ranking's options cannot change once it has answers (each covers them all)"
            )
        removed_in_use = sorted((old - new) & options_in_use(question), key=str) if old - new else []
        if removed_in_use:
            raise InvalidData.at(
                ("settings", "options"), f"options {removed_in_use} are used by answers and cannot be removed"
            )
    return cleaned


@transaction.atomic
def question_update(
    *,
    question: Question,
    title: str | None = None,
    description: str | None = None,
    type: str | None = None,
    required: bool | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Question:
    """Change a question. `settings` may be partial: given keys replace the stored ones."""
    question = Question.objects.select_related("dataset").select_for_update(of=("self",)).get(pk=question.pk)
    before = audit.snapshot(question, QUESTION_AUDITED)
    new_type = type or question.type
    new_required = question.required if required is None else required
    cleaned = check_question_change(question, type=new_type, required=new_required, settings=settings or {})
    question.type, question.required, question.settings = new_type, new_required, cleaned
    if title is not None:
        question.title = title
    if description is not None:
        question.description = description
    validate_model_fields(question)
    question.save()
    _audit_updated(question, "question changed", before)
    return question


@transaction.atomic
def question_delete(*, question: Question) -> None:
    _require_draft(question.dataset, "deleting a question")
    _audit_deleted(question, "question deleted")
    question.delete()


# Metadata properties and vector settings ---------------------------------------------


@transaction.atomic
def metadata_property_create(
    *,
    dataset: Dataset,
    name: str,
    type: str,
    settings: Mapping[str, Any] | None = None,
    title: str | None = None,
    visible_for_annotators: bool = True,
) -> MetadataProperty:
    """Add a typed metadata property (allowed after publishing too)."""
    prop = MetadataProperty(
        dataset=dataset,
        name=name,
        title=title or name,
        type=type,
        settings=schema.clean_metadata_settings(type, settings),
        visible_for_annotators=visible_for_annotators,
    )
    validate_model_fields(prop)
    with unique_name(f"a metadata property named {name!r} in this dataset"):
        prop.save()
    _audit_created(prop, "metadata property added", METADATA_PROPERTY_AUDITED)
    return prop


@transaction.atomic
def metadata_property_update(
    *, prop: MetadataProperty, title: str | None = None, visible_for_annotators: bool | None = None
) -> MetadataProperty:
    # Read again: the admin hands over its form's object with the new values already set.
    prop = MetadataProperty.objects.select_related("dataset").select_for_update(of=("self",)).get(pk=prop.pk)
    before = audit.snapshot(prop, METADATA_PROPERTY_AUDITED)
    if title is not None:
        prop.title = title
    if visible_for_annotators is not None:
        prop.visible_for_annotators = visible_for_annotators
    validate_model_fields(prop)
    prop.save()
    _audit_updated(prop, "metadata property changed", before)
    return prop


@transaction.atomic
def metadata_property_delete(*, prop: MetadataProperty) -> None:
    """Delete the property; records keep their values as extra metadata."""
    _audit_deleted(prop, "metadata property deleted")
    prop.delete()


@transaction.atomic
def vector_settings_create(*, dataset: Dataset, name: str, dimensions: int, title: str | None = None) -> VectorSettings:
    vector_settings = VectorSettings(dataset=dataset, name=name, title=title or name, dimensions=dimensions)
    validate_model_fields(vector_settings)
    with unique_name(f"vector settings named {name!r} in this dataset"):
        vector_settings.save()
    _audit_created(vector_settings, "vector settings added", VECTOR_SETTINGS_AUDITED)
    return vector_settings


@transaction.atomic
def vector_settings_update(*, vector_settings: VectorSettings, title: str | None = None) -> VectorSettings:
    vector_settings = (
        VectorSettings.objects.select_related("dataset").select_for_update(of=("self",)).get(pk=vector_settings.pk)
    )
    before = audit.snapshot(vector_settings, VECTOR_SETTINGS_AUDITED)
    if title is not None:
        vector_settings.title = title
    validate_model_fields(vector_settings)
    vector_settings.save()
    _audit_updated(vector_settings, "vector settings changed", before)
    return vector_settings


@transaction.atomic
def vector_settings_delete(*, vector_settings: VectorSettings) -> None:
    """Delete the settings and drop their vectors from every record of the dataset."""
    records = Record.objects.filter(dataset_id=vector_settings.dataset_id, vectors__has_key=vector_settings.name)
    records.update(vectors=JSONWithoutKey("vectors", vector_settings.name))
    _audit_deleted(vector_settings, "vector settings deleted")
    vector_settings.delete()


class JSONWithoutKey(Func):
    """`json - key` in one UPDATE: PostgreSQL's `-` operator, SQLite's json_remove."""

    output_field = JSONField()

    def __init__(self, column: str, key: str) -> None:
        super().__init__(F(column), Value(key))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        column, key = self.source_expressions
        return Func(column, Value(f'$."{key.value}"'), function="json_remove", output_field=JSONField()).as_sql(
            compiler, connection
        )
