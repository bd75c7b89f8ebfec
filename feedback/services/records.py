"""Records: bulk upsert (the API, file imports and the admin share it) and deletion.

Bulk upsert validates every item first and reports every problem with its position,
then stores the whole batch in one transaction, or nothing. Items match existing
records by `external_id`, then by `id` (within the dataset only); an `id` that matches
nothing creates a new record, as in the Argilla wire format. Re-sending a batch changes
nothing: unchanged records, suggestions and responses are not rewritten.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from feedback import questions as question_rules
from feedback import schema
from feedback.errors import Conflict, InvalidData, Loc, Problem
from feedback.models import (
    Dataset,
    Question,
    Record,
    RecordStatus,
    Response,
    ResponseStatus,
    Suggestion,
    SuggestionType,
)
from feedback.services.responses import (
    ResponseChange,
    Written,
    response_save,
    responses_write,
    touch_dataset_activity,
)
from feedback.services.reviews import reviews_on_completion
from feedback.services.webhooks import webhook_listeners, webhook_notify
from feedback.storable import text_problem
from feedback.webhooks import dataset_data, record_data, records_data, response_data
from workspaces import access

EXTERNAL_ID_MAX = 500
AGENT_MAX = 200


class TooManyItems(Exception):
    """More items than one bulk call accepts (the API answers 413)."""

    def __init__(self, count: int, limit: int) -> None:
        self.count, self.limit = count, limit
        super().__init__(f"{count} items in one call; the limit is {limit}")


@dataclass
class BulkUpsertResult:
    records: list[Record]
    created_ids: list[UUID] = field(default_factory=list)
    updated_ids: list[UUID] = field(default_factory=list)
    # Every suggestion and response of the batch's records after the write, by record id.
    suggestions: dict[UUID, list[Suggestion]] = field(default_factory=dict)
    responses: dict[UUID, list[Response]] = field(default_factory=dict)


@dataclass
class _Item:
    """One validated input item and what it resolves to."""

    record: Record
    is_new: bool
    changed: bool
    suggestions: list[dict[str, Any]]
    responses: list[dict[str, Any]]


class _Schema:
    """The dataset's schema, loaded once per batch."""

    def __init__(self, dataset: Dataset) -> None:
        self.fields = list(dataset.fields.all())
        self.questions = list(dataset.questions.all())
        self.questions_by_id = {str(question.id): question for question in self.questions}
        self.questions_by_name = {question.name: question for question in self.questions}
        self.metadata_properties = list(dataset.metadata_properties.all())
        self.vector_settings = list(dataset.vector_settings.all())


def _parse_uuid(value: Any, loc: Loc) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise InvalidData.at(loc, f"{value!r} is not a UUID") from None


def _clean_external_id(value: Any, loc: Loc) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not 1 <= len(value) <= EXTERNAL_ID_MAX:
        raise InvalidData.at(loc, f"must be a string of 1 to {EXTERNAL_ID_MAX} characters")
    problem = text_problem(value)
    if problem:
        raise InvalidData.at(loc, problem)
    return value


def _clean_suggestion(raw: Any, schema_: _Schema, record_fields: Mapping[str, Any], loc: Loc) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise InvalidData.at(loc, "must be an object with question_id (or question_name) and value")
    question: Question | None = None
    if raw.get("question_id") is not None:
        question = schema_.questions_by_id.get(str(raw["question_id"]))
        if question is None:
            raise InvalidData.at((*loc, "question_id"), f"no question with id {raw['question_id']!r} in this dataset")
    elif raw.get("question_name") is not None:
        question = schema_.questions_by_name.get(raw["question_name"])
        if question is None:
            raise InvalidData.at((*loc, "question_name"), f"no question named {raw['question_name']!r}")
    else:
        raise InvalidData.at(loc, "name the question with question_id or question_name")
    if "value" not in raw or raw["value"] is None:
        raise InvalidData.at((*loc, "value"), "a suggestion needs a value")
    try:
        value = question_rules.clean_value(question, raw["value"], partial=True, record_fields=record_fields)
        score = question_rules.clean_score(value, raw.get("score"))
    except InvalidData as error:
        raise error.prefixed(*loc) from None
    agent = raw.get("agent")
    if agent is not None and (not isinstance(agent, str) or len(agent) > AGENT_MAX or text_problem(agent)):
        raise InvalidData.at((*loc, "agent"), f"must be text of at most {AGENT_MAX} characters")
    suggestion_type = raw.get("type")
    if suggestion_type is not None and suggestion_type not in SuggestionType.values:
        raise InvalidData.at((*loc, "type"), f"must be one of {SuggestionType.values} or null")
    return {"question": question, "value": value, "score": score, "agent": agent, "type": suggestion_type}


def _clean_response(
    raw: Any, schema_: _Schema, record_fields: Mapping[str, Any], users: Mapping[str, Any], loc: Loc
) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise InvalidData.at(loc, "must be an object with user_id, values and status")
    user = users.get(str(raw.get("user_id")))
    if user is None:
        raise InvalidData.at((*loc, "user_id"), f"no user {raw.get('user_id')!r} who may annotate this dataset")
    status = raw.get("status")
    if status not in ResponseStatus.values:
        raise InvalidData.at((*loc, "status"), f"must be one of {ResponseStatus.values}")
    try:
        values = question_rules.clean_response_values(
            schema_.questions,
            raw.get("values"),
            submitted=status == ResponseStatus.SUBMITTED,
            record_fields=record_fields,
        )
    except InvalidData as error:
        raise error.prefixed(*loc, "values") from None
    return {"user": user, "values": values, "status": status}


def _load_annotators(dataset: Dataset, items: Sequence[Any]) -> dict[str, Any]:
    """The users named by the items' responses who may annotate the dataset, by id."""
    ids = set()
    for item in items:
        if isinstance(item, Mapping) and isinstance(item.get("responses"), list):
            for response in item["responses"]:
                if isinstance(response, Mapping):
                    with contextlib.suppress(ValueError):
                        ids.add(UUID(str(response.get("user_id"))))
    if not ids:
        return {}
    users = get_user_model().objects.filter(pk__in=ids)
    return {str(user.pk): user for user in users if access.can_annotate_dataset(user, dataset)}


def _find_existing(dataset: Dataset, items: Sequence[Any]) -> tuple[dict[str, Record], dict[str, Record]]:
    external_ids, ids = [], []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        external_id = item.get("external_id")
        # Unstorable ids are refused later, with their position; never sent to the database.
        if (
            isinstance(external_id, (str, int))
            and not isinstance(external_id, bool)
            and not text_problem(str(external_id))
        ):
            external_ids.append(str(external_id))
        if item.get("id") is not None:
            with contextlib.suppress(ValueError):
                ids.append(UUID(str(item["id"])))
    by_external = (
        {record.external_id: record for record in Record.objects.filter(dataset=dataset, external_id__in=external_ids)}
        if external_ids
        else {}
    )
    by_id = {str(record.id): record for record in Record.objects.filter(dataset=dataset, id__in=ids)} if ids else {}
    return by_external, by_id


def _validate_item(
    raw: Any,
    position: int,
    dataset: Dataset,
    schema_: _Schema,
    existing: tuple[dict[str, Record], dict[str, Record]],
    users: Mapping[str, Any],
    create_only: bool,
) -> _Item:
    loc: Loc = ("items", position)
    if not isinstance(raw, Mapping):
        raise InvalidData.at(loc, "must be an object")
    problems: list[Problem] = []
    external_id = None
    try:
        external_id = _clean_external_id(raw.get("external_id"), (*loc, "external_id"))
    except InvalidData as error:
        problems += error.problems
    record = None
    if not create_only:
        by_external, by_id = existing
        record = by_external.get(external_id) if external_id is not None else None
        if record is None and raw.get("id") is not None:
            try:
                record = by_id.get(str(_parse_uuid(raw["id"], (*loc, "id"))))
            except InvalidData as error:
                problems += error.problems
    is_new = record is None
    fields = metadata = vectors = None
    fields_failed = False
    # An update may send `"fields": null` (SDK 2.8 does, for metadata-only changes): keep them.
    if is_new or raw.get("fields") is not None:
        try:
            fields = schema.clean_record_fields(schema_.fields, raw.get("fields"), loc=(*loc, "fields"))
        except InvalidData as error:
            problems += error.problems
            fields_failed = True
    if "metadata" in raw:
        try:
            metadata = schema.clean_record_metadata(
                schema_.metadata_properties,
                raw["metadata"],
                allow_extra=dataset.allow_extra_metadata,
                loc=(*loc, "metadata"),
            )
        except InvalidData as error:
            problems += error.problems
    try:
        vectors = schema.clean_record_vectors(schema_.vector_settings, raw.get("vectors"), loc=(*loc, "vectors"))
    except InvalidData as error:
        problems += error.problems
    if fields_failed:
        # Suggestions and responses are checked against the record's fields: without
        # valid fields there is nothing to check them against.
        raise InvalidData(problems)

    if record is None:
        record = Record(id=uuid.uuid4(), dataset=dataset, external_id=external_id, fields=fields, metadata=metadata)
        changed = True
    else:
        changed = False
        if fields is not None and fields != record.fields:
            record.fields, changed = fields, True
        if "metadata" in raw and metadata != record.metadata:
            record.metadata, changed = metadata, True
    if "gold" in raw:
        # A gold record's expected answers (null: not gold), checked as a response's are.
        try:
            gold = (
                None
                if raw["gold"] is None
                else question_rules.clean_gold(schema_.questions, raw["gold"], record_fields=record.fields)
            )
        except InvalidData as error:
            problems += error.prefixed(*loc, "gold").problems
        else:
            if gold != record.gold:
                record.gold, changed = gold, True
    merged_vectors = {**(record.vectors or {}), **(vectors or {})}
    if merged_vectors != (record.vectors or {}):
        record.vectors, changed = merged_vectors, True

    suggestions, responses = [], []
    for index, suggestion in enumerate(raw.get("suggestions") or []):
        try:
            suggestions.append(_clean_suggestion(suggestion, schema_, record.fields, (*loc, "suggestions", index)))
        except InvalidData as error:
            problems += error.problems
    for index, response in enumerate(raw.get("responses") or []):
        try:
            responses.append(_clean_response(response, schema_, record.fields, users, (*loc, "responses", index)))
        except InvalidData as error:
            problems += error.problems
    if not isinstance(raw.get("suggestions") or [], list):
        problems.append(Problem((*loc, "suggestions"), "must be a list"))
    if not isinstance(raw.get("responses") or [], list):
        problems.append(Problem((*loc, "responses"), "must be a list"))
    for kind, entries, key in (("suggestion", suggestions, "question"), ("response", responses, "user")):
        seen = [entry[key].pk for entry in entries]
        if len(set(seen)) != len(seen):
            problems.append(Problem((*loc, f"{kind}s"), f"more than one {kind} for the same {key}"))
    if problems:
        raise InvalidData(problems)
    return _Item(record=record, is_new=is_new, changed=changed, suggestions=suggestions, responses=responses)


def _store_suggestions(items: list[_Item], now: Any) -> list[Suggestion]:
    """Upsert suggestions; returns the ones created."""
    wanted = {(item.record.pk, s["question"].pk): s for item in items for s in item.suggestions}
    if not wanted:
        return []
    existing_records = [item.record.pk for item in items if not item.is_new and item.suggestions]
    existing = (
        {
            (suggestion.record_id, suggestion.question_id): suggestion
            for suggestion in Suggestion.objects.filter(record_id__in=existing_records)
        }
        if existing_records
        else {}
    )
    to_create, to_update = [], []
    for (record_id, question_id), data in wanted.items():
        current = existing.get((record_id, question_id))
        if current is None:
            to_create.append(
                Suggestion(
                    record_id=record_id,
                    question_id=question_id,
                    value=data["value"],
                    score=data["score"],
                    agent=data["agent"],
                    type=data["type"],
                    inserted_at=now,
                )
            )
        elif (current.value, current.score, current.agent, current.type) != (
            data["value"],
            data["score"],
            data["agent"],
            data["type"],
        ):
            current.value, current.score, current.agent, current.type = (
                data["value"],
                data["score"],
                data["agent"],
                data["type"],
            )
            current.updated_at = now
            to_update.append(current)
    Suggestion.objects.bulk_create(to_create, batch_size=1000)
    Suggestion.objects.bulk_update(to_update, ["value", "score", "agent", "type", "updated_at"], batch_size=1000)
    return to_create


def _store_responses(dataset: Dataset, items: list[_Item], now: Any) -> Written:
    """Write the batch's responses through the one response writer."""
    wanted = {(item.record.pk, r["user"].pk): r for item in items for r in item.responses}
    if not wanted:
        return Written(responses=[])
    # Lock in a fixed order: labelers may be answering these records right now.
    record_ids = sorted({record_id for record_id, _ in wanted})
    list(Record.objects.select_for_update().filter(id__in=record_ids).order_by("id").values_list("id", flat=True))
    changes = [
        ResponseChange(record_id, data["user"], data["values"], data["status"])
        for (record_id, _), data in wanted.items()
    ]
    return responses_write(dataset=dataset, changes=changes, now=now)


def _validate_batch(dataset: Dataset, items: Sequence[Any], create_only: bool) -> list[_Item]:
    """Every item checked against the dataset and what it already holds; every problem
    reported with its position (InvalidData), nothing written."""
    if not dataset.is_published:
        raise InvalidData.at((), "publish the dataset before adding records")
    schema_ = _Schema(dataset)
    existing = _find_existing(dataset, items) if not create_only else ({}, {})
    users = _load_annotators(dataset, items)

    problems: list[Problem] = []
    validated: list[_Item] = []
    seen_external: dict[str, int] = {}
    seen_records: dict[UUID, int] = {}
    for position, raw in enumerate(items):
        try:
            item = _validate_item(raw, position, dataset, schema_, existing, users, create_only)
        except InvalidData as error:
            problems += error.problems
            continue
        external_id = item.record.external_id
        if external_id is not None:
            if external_id in seen_external:
                problems.append(
                    Problem(
                        ("items", position, "external_id"),
                        f"{external_id!r} also appears at position {seen_external[external_id]}",
                    )
                )
            seen_external[external_id] = position
        if not item.is_new and item.record.pk in seen_records:
            problems.append(
                Problem(("items", position), f"updates the same record as position {seen_records[item.record.pk]}")
            )
        seen_records[item.record.pk] = position
        validated.append(item)
    if problems:
        raise InvalidData(problems)
    return validated


def records_bulk_check(*, dataset: Dataset, items: Sequence[Any], create_only: bool = False) -> None:
    """Validate a batch exactly as `records_bulk_upsert` would, and store nothing
    (file imports check the whole file before they write)."""
    _validate_batch(dataset, items, create_only)


def records_bulk_upsert(*, dataset: Dataset, items: Sequence[Any], create_only: bool = False) -> BulkUpsertResult:
    """Create or update up to FEEDLOOP_BULK_MAX_RECORDS records, all or nothing.

    Items follow the wire format: `id`, `external_id`, `fields`, `metadata`,
    `suggestions` (question_id or question_name, value, score, agent, type),
    `responses` (user_id, values, status), `vectors`, and Feedloop's `gold` (a gold
    record's expected answers, a response's `values`; null: not gold; left out:
    unchanged). With `create_only` every
    item makes a new record (POST …/records/bulk).
    """
    limit = settings.FEEDLOOP_BULK_MAX_RECORDS
    if len(items) > limit:
        raise TooManyItems(len(items), limit)
    validated = _validate_batch(dataset, items, create_only)

    now = timezone.now()
    try:
        with transaction.atomic():
            new = [item.record for item in validated if item.is_new]
            for offset, record in enumerate(new):
                # A microsecond apart: records list and queue in the order they were sent.
                record.inserted_at = now + timedelta(microseconds=offset)
            Record.objects.bulk_create(new, batch_size=1000)
            changed = [item.record for item in validated if not item.is_new and item.changed]
            for record in changed:
                record.updated_at = now
            Record.objects.bulk_update(
                changed, ["fields", "metadata", "vectors", "gold", "updated_at"], batch_size=1000
            )
            created_suggestions = _store_suggestions(validated, now)
            written = _store_responses(dataset, validated, now)
            created_responses, updated_responses, recount = written.created, written.updated, written.recounted
            touch_dataset_activity(dataset.pk)
            records = [item.record for item in validated]
            statuses_before = {record.pk: record.status for record in records}
            if recount:
                fresh = Record.objects.filter(id__in=recount).values_list("id", "status", "submitted_count")
                by_id = {record.pk: record for record in records}
                for record_id, status, count in fresh:
                    by_id[record_id].status, by_id[record_id].submitted_count = status, count
            # The records the batch's responses completed: webhooks, and the review queue.
            completed = [
                record
                for record in records
                if record.status == RecordStatus.COMPLETED and statuses_before[record.pk] != RecordStatus.COMPLETED
            ]
            reviews_on_completion(dataset=dataset, record_ids=[record.pk for record in completed])
            _notify_upserted(dataset, validated, statuses_before, completed, created_responses, updated_responses)
    except IntegrityError:
        raise Conflict("another request wrote records with the same external ids at the same time; retry") from None

    # New records hold exactly what was just created; only updated ones are read back.
    suggestions: dict[UUID, list[Suggestion]] = {record.pk: [] for record in records}
    responses: dict[UUID, list[Response]] = {record.pk: [] for record in records}
    updated_ids = [item.record.pk for item in validated if not item.is_new]
    new_ids = {item.record.pk for item in validated if item.is_new}
    stored_suggestions = Suggestion.objects.filter(record_id__in=updated_ids) if updated_ids else []
    for suggestion in [*(s for s in created_suggestions if s.record_id in new_ids), *stored_suggestions]:
        suggestions[suggestion.record_id].append(suggestion)
    stored_responses = Response.objects.filter(record_id__in=updated_ids) if updated_ids else []
    for response in [*(r for r in created_responses if r.record_id in new_ids), *stored_responses]:
        responses[response.record_id].append(response)
    return BulkUpsertResult(
        records=records,
        created_ids=[item.record.pk for item in validated if item.is_new],
        updated_ids=updated_ids,
        suggestions=suggestions,
        responses=responses,
    )


UPSERT_EVENTS = ("record.created", "record.updated", "record.completed", "response.created", "response.updated")


def _notify_upserted(
    dataset: Dataset,
    validated: list[_Item],
    statuses_before: dict[UUID, str],
    completed: list[Record],
    created_responses: list[Response],
    updated_responses: list[Response],
) -> None:
    """`record.created` for new records, `record.updated` for changed ones (their data or
    their status), `record.completed` for those the batch's responses completed, then
    `response.created` / `response.updated` for the responses the batch wrote."""
    listeners = webhook_listeners()
    if not set(UPSERT_EVENTS) & listeners.keys():
        return
    shape = dataset_data(dataset)
    new = [item.record for item in validated if item.is_new]
    changed = [
        item.record
        for item in validated
        if not item.is_new and (item.changed or item.record.status != statuses_before[item.record.pk])
    ]
    webhook_notify("record.created", lambda: records_data(new, shape), listeners)
    webhook_notify("record.updated", lambda: records_data(changed, shape), listeners)
    webhook_notify("record.completed", lambda: records_data(completed, shape), listeners)
    if {"response.created", "response.updated"} & listeners.keys():
        records = {item.record.pk: record_data(item.record, shape) for item in validated}
        # Created responses hold their user; updated ones were read without it.
        users = {r["user"].pk: r["user"] for item in validated for r in item.responses}
        for response in updated_responses:
            response.user = users[response.user_id]
        for event, responses in (("response.created", created_responses), ("response.updated", updated_responses)):
            webhook_notify(event, lambda rs=responses: [response_data(r, records[r.record_id]) for r in rs], listeners)


@transaction.atomic
def records_delete(*, dataset: Dataset, record_ids: Sequence[UUID]) -> int:
    """Delete records of `dataset` (ids of other datasets are ignored); returns how many.
    `record.deleted` carries each record as it was."""
    records = Record.objects.filter(dataset=dataset, id__in=list(record_ids))
    listeners = webhook_listeners()
    if "record.deleted" in listeners:
        before = records_data(records.select_for_update(), dataset_data(dataset))
        webhook_notify("record.deleted", lambda: before, listeners)
    _deleted, by_model = records.delete()
    return by_model.get(Record._meta.label, 0)


@transaction.atomic
def suggestions_delete(*, record: Record, suggestion_ids: Sequence[UUID]) -> int:
    """Delete suggestions of `record` (ids of other records are ignored); returns how many."""
    deleted, _ = Suggestion.objects.filter(record=record, id__in=list(suggestion_ids)).delete()
    return deleted


@transaction.atomic
def record_write_by_labeler(
    *,
    dataset: Dataset,
    user: Any,
    fields: Mapping[str, Any],
    values: Mapping[str, Any] | None,
    status: str,
    time_spent_seconds: float | None = None,
    context: Mapping[str, Any] | None = None,
) -> Response:
    """A labeler writes a new record (e.g. a prompt) and answers it, in one transaction.

    Only on datasets that allow labeler-written records; if the record or the answer is
    invalid, neither is stored.
    """
    if not dataset.allow_labeler_records:
        raise InvalidData.at((), "this dataset does not take records written by labelers")
    if not dataset.is_published:
        raise InvalidData.at((), "the dataset is not published")
    problems: list[Problem] = []
    cleaned: dict[str, Any] = {}
    try:
        cleaned = schema.clean_record_fields(list(dataset.fields.all()), fields)
    except InvalidData as error:
        problems += error.problems
    try:
        question_rules.clean_response_values(
            list(dataset.questions.all()), values, submitted=status == ResponseStatus.SUBMITTED, record_fields=cleaned
        )
    except InvalidData as error:
        problems += error.problems
    if problems:
        raise InvalidData(problems)
    record = Record.objects.create(dataset=dataset, fields=cleaned, created_by=user)
    webhook_notify("record.created", lambda: [record_data(record, dataset_data(dataset))])
    return response_save(
        record=record, user=user, values=values, status=status, time_spent_seconds=time_spent_seconds, context=context
    )
