"""Responses: submit, save a draft, discard, delete; and the record status they drive.

Every response write locks its record row first. That serialises the writers of one
record (the same labeler double-posting, or several labelers finishing together), so
the one-response-per-user rule and the record's `submitted_count` stay exact, while
labelers on different records never wait on each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from config.db import Columns, writing
from config.instruments import RESPONSES_SUBMITTED
from feedback.errors import InvalidData, Loc, Problem, StaleResponse
from feedback.models import Dataset, Question, Record, RecordStatus, Response, ResponseStatus
from feedback.questions import clean_response_values
from feedback.services.queue import leases_end
from feedback.services.reviews import reviews_on_completion
from feedback.services.webhooks import ANY_WEBHOOK_ENABLED, Listeners, webhook_listeners, webhook_notify
from feedback.storable import json_problems
from feedback.webhooks import dataset_data, record_data, response_data

ACTIVITY_RESOLUTION = timedelta(minutes=1)
# The version of "no response yet" (see `response_version`).
NEW = "new"


def response_version(response: Response | None) -> str:
    """The version of a stored response that a page shows, for an optimistic lock: its
    `updated_at` (every write through `responses_write` moves it), or NEW when there is
    none. A page sends it back with its write, and a write from an older version is
    refused (`StaleResponse`) instead of silently replacing the newer answer."""
    return NEW if response is None else response.updated_at.isoformat()


def record_status_for(min_submitted: int, submitted: Any = None) -> Case:
    """SQL expression: a record is completed once `min_submitted` responses are submitted
    (`submitted`: an expression of that count; its stored `submitted_count` by default)."""
    submitted = F("submitted_count") if submitted is None else submitted
    return Case(
        When(GreaterThanOrEqual(submitted, min_submitted), then=Value(RecordStatus.COMPLETED)),
        default=Value(RecordStatus.PENDING),
    )


# One statement: the status reads the new count, not the column it replaces. Written in
# SQL because it runs on every submission: the ORM's version of the same statement (a
# Coalesce of a grouped subquery inside a Case) cost more CPU to build than the rest of
# the response write together. The response services tests pin its results.
_RECOUNT = """
UPDATE feedback_record SET (submitted_count, status) = (
    SELECT count(*), CASE WHEN count(*) >= %s THEN %s ELSE %s END
    FROM feedback_response a WHERE a.record_id = feedback_record.id AND a.status = %s)
WHERE dataset_id = %s AND id IN ({ids})"""


def refresh_record_status(*, dataset: Dataset, record_ids: Iterable[UUID]) -> None:
    """Recount submitted responses of the given records and set their status.

    Call inside the transaction that changed the responses, with the records locked.
    """
    connection = writing(Record)
    pk = Record._meta.pk
    ids = [pk.get_db_prep_value(record_id, connection) for record_id in record_ids]
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _RECOUNT.format(ids=", ".join(["%s"] * len(ids))),
            [
                dataset.min_submitted,
                RecordStatus.COMPLETED,
                RecordStatus.PENDING,
                ResponseStatus.SUBMITTED,
                Dataset._meta.pk.get_db_prep_value(dataset.pk, connection),
                *ids,
            ],
        )


def touch_dataset_activity(dataset_id: UUID, known: Any = None) -> None:
    """Bump `last_activity_at`, at most once a minute, so busy datasets avoid a hot row.
    `known`: its value as read in this transaction, if any; no statement when it is recent."""
    now = timezone.now()
    if known is not None and known >= now - ACTIVITY_RESOLUTION:
        return
    Dataset.objects.filter(pk=dataset_id, last_activity_at__lt=now - ACTIVITY_RESOLUTION).update(last_activity_at=now)


_RESPONSE = Columns(Response, "a")
_QUESTION = Columns(Question, "q")
# Read by every response write (in SQL, see `Columns`): the stored responses of the
# changes' (record, user) pairs, and the dataset's questions in their order.
_STORED = "SELECT {response} FROM feedback_response a WHERE a.record_id IN ({records}) AND a.user_id IN ({users})"
_QUESTIONS = "SELECT {question} FROM feedback_question q WHERE q.dataset_id = %s ORDER BY q.position, q.inserted_at"


def _stored_responses(record_ids: set[UUID], user_ids: set[Any]) -> list[Response]:
    if not record_ids:
        return []
    connection = writing(Response)
    record, user = Response._meta.get_field("record"), Response._meta.get_field("user")
    with connection.cursor() as cursor:
        cursor.execute(
            _STORED.format(
                response=_RESPONSE.select,
                records=", ".join(["%s"] * len(record_ids)),
                users=", ".join(["%s"] * len(user_ids)),
            ),
            [
                *(record.get_db_prep_value(pk, connection) for pk in record_ids),
                *(user.get_db_prep_value(pk, connection) for pk in user_ids),
            ],
        )
        return [_RESPONSE.read(connection, row) for row in cursor.fetchall()]


def _questions_of(dataset: Dataset) -> list[Question]:
    """`dataset.questions.all()`, in the model's order (position, then age)."""
    connection = writing(Question)
    with connection.cursor() as cursor:
        cursor.execute(
            _QUESTIONS.format(question=_QUESTION.select), [Dataset._meta.pk.get_db_prep_value(dataset.pk, connection)]
        )
        return [_QUESTION.read(connection, row) for row in cursor.fetchall()]


@dataclass
class ResponseChange:
    """One response to write: answers already cleaned against the dataset's questions."""

    record_id: UUID
    user: Any
    values: dict[str, Any]
    status: str
    time_spent_seconds: float | None = None
    context: Mapping[str, Any] | None = None
    # The `response_version` the writer saw; None (the API, imports) writes regardless.
    version: str | None = None


@dataclass
class Written:
    responses: list[Response]  # one per change, in their order, as stored now
    created: list[Response] = field(default_factory=list)
    updated: list[Response] = field(default_factory=list)
    recounted: set[UUID] = field(default_factory=set)  # records whose submitted count was redone


def responses_write(*, dataset: Dataset, changes: Sequence[ResponseChange], now: Any = None) -> Written:
    """The one writer of responses: the labeler pages, the API (single and bulk), record
    upserts and file imports all store answers through it, so these rules hold on
    every path:

    * a response whose values and status are unchanged is not rewritten (idempotent);
    * a change that names the `version` it was made from is refused (`StaleResponse`,
      nothing stored) when the stored response has moved on since; a change without a
      version is written whatever is stored (last write wins);
    * discarding without answers keeps the answers given before;
    * `submitted_at` is set when a response first becomes submitted;
    * time spent adds up over saves, and context keys are merged;
    * an answer (submitted or discarded) ends the labeler's lease on the record, even
      when nothing changed, so no lease outlives its holder's answer;
    * the records' submitted counts and statuses follow.

    Call inside a transaction with the changes' records locked.
    """
    now = now or timezone.now()
    stored = _stored_responses({change.record_id for change in changes}, {change.user.pk for change in changes})
    existing = {(response.record_id, response.user_id): response for response in stored}
    written = Written(responses=[])
    created_keys: set[tuple[Any, Any]] = set()
    updated_keys: set[tuple[Any, Any]] = set()
    answered = []
    newly_submitted = 0
    for change in changes:
        key = (change.record_id, change.user.pk)
        current = existing.get(key)
        if change.status != ResponseStatus.DRAFT:
            answered.append(key)
        values = change.values
        if change.status == ResponseStatus.DISCARDED and not values and current is not None:
            values = current.values
        if current is not None and (current.values, current.status) == (values, change.status):
            written.responses.append(current)
            continue
        if change.version is not None and current is not None and response_version(current) != change.version:
            raise StaleResponse(current)
        status_before = None if current is None else current.status
        if current is None:
            current = existing[key] = Response(record_id=change.record_id, user=change.user, inserted_at=now)
            created_keys.add(key)
            written.created.append(current)
        elif key not in created_keys | updated_keys:
            updated_keys.add(key)
            written.updated.append(current)
        if ResponseStatus.SUBMITTED in (status_before, change.status):
            written.recounted.add(change.record_id)
        if change.status == ResponseStatus.SUBMITTED and status_before != ResponseStatus.SUBMITTED:
            current.submitted_at = now
            newly_submitted += 1
        current.values, current.status, current.updated_at = values, change.status, now
        if change.context:
            current.context = {**(current.context or {}), **change.context}
        if change.time_spent_seconds is not None:
            current.time_spent_seconds = (current.time_spent_seconds or 0) + change.time_spent_seconds
        written.responses.append(current)
    connection = writing(Response)
    for start in range(0, len(written.created), 1000):  # `bulk_create`'s batches, in SQL (see `Columns`)
        _RESPONSE.insert(connection, written.created[start : start + 1000])
    Response.objects.bulk_update(
        written.updated,
        ["values", "status", "submitted_at", "updated_at", "context", "time_spent_seconds"],
        batch_size=1000,
    )
    leases_end(pairs=answered)
    refresh_record_status(dataset=dataset, record_ids=written.recounted)
    if written.created or written.updated:
        touch_dataset_activity(dataset.pk, dataset.last_activity_at)
    if newly_submitted:
        # Counted once stored: a rolled-back transaction submitted nothing.
        transaction.on_commit(lambda: RESPONSES_SUBMITTED.inc(newly_submitted))
    return written


def check_time_spent(time_spent_seconds: Any, loc: Loc = ("time_spent_seconds",)) -> float | None:
    if time_spent_seconds is not None and not (
        isinstance(time_spent_seconds, (int, float))
        and not isinstance(time_spent_seconds, bool)
        and 0 <= time_spent_seconds < 10**7
    ):
        raise InvalidData.at(loc, "must be a non-negative number of seconds")
    return time_spent_seconds


_RECORD = Columns(Record, "r")
_DATASET = Columns(Dataset, "d")
# Every response write starts here, so it is written in SQL (see `Columns`): the record
# locked, its dataset, and whether any webhook is on.
_LOCKED_WITH_DATASET = """
SELECT {record}, {dataset}, {any_webhook}
FROM feedback_record r JOIN feedback_dataset d ON d.id = r.dataset_id
WHERE r.id = %s {lock}"""


def _locked_with_dataset(record_id: UUID) -> tuple[Record, bool]:
    """The record, locked (`FOR UPDATE` of its row), with its dataset, and whether any
    webhook is enabled (so a write to a deployment without webhooks never reads them)."""
    connection = writing(Record)
    lock = "FOR UPDATE OF r" if connection.features.has_select_for_update_of else ""
    with connection.cursor() as cursor:
        cursor.execute(
            _LOCKED_WITH_DATASET.format(
                record=_RECORD.select, dataset=_DATASET.select, any_webhook=ANY_WEBHOOK_ENABLED, lock=lock
            ),
            [Record._meta.pk.get_db_prep_value(record_id, connection)],
        )
        row = cursor.fetchone()
    if row is None:
        raise Record.DoesNotExist
    record = _RECORD.read(connection, row)
    record.dataset = _DATASET.read(connection, row, len(_RECORD))
    return record, bool(row[-1])


@transaction.atomic
def response_save(
    *,
    record: Record,
    user: Any,
    values: Mapping[str, Any] | None,
    status: str,
    time_spent_seconds: float | None = None,
    context: Mapping[str, Any] | None = None,
    version: str | None = None,
) -> Response:
    """Create or update `user`'s response to `record` with `status` (`responses_write`'s
    rules, including the optimistic lock when `version` is given). A submission to a
    record that completed meanwhile is still stored and counted."""
    if status not in ResponseStatus.values:
        raise InvalidData.at(("status",), f"must be one of {ResponseStatus.values}")
    check_time_spent(time_spent_seconds)
    if context is not None:
        if not isinstance(context, Mapping):
            raise InvalidData([Problem(("context",), "must be an object")])
        if problems := json_problems(dict(context), ("context",)):
            raise InvalidData(problems)
    record, any_webhook = _locked_with_dataset(record.pk)
    dataset = record.dataset
    if not dataset.is_published:
        raise InvalidData.at((), "the dataset is not published")
    questions = _questions_of(dataset)
    cleaned = clean_response_values(
        questions,
        values,
        submitted=status == ResponseStatus.SUBMITTED,
        record_fields=record.fields,
    )
    status_before = record.status
    change = ResponseChange(record.pk, user, cleaned, status, time_spent_seconds, context, version)
    written = responses_write(dataset=dataset, changes=[change])
    response = written.responses[0]
    if _may_complete(record, dataset, status, written):
        # Only a write that may complete the record looks for a dispute (review queue).
        reviews_on_completion(dataset=dataset, record_ids=[record.pk], questions=questions)
    if written.created or written.updated:
        event = "response.created" if written.created else "response.updated"
        # The lock read already told whether any webhook is on: none, no query for them.
        _notify(record, status_before, event, response, webhook_listeners() if any_webhook else {})
    return response


def _may_complete(record: Record, dataset: Dataset, status: str, written: Written) -> bool:
    """Whether this write can have completed the (locked, as read before it) record:
    a submission that was counted, reaching `min_submitted`."""
    return (
        status == ResponseStatus.SUBMITTED
        and record.status == RecordStatus.PENDING
        and record.pk in written.recounted
        and record.submitted_count + 1 >= dataset.min_submitted
    )


def response_submit(
    *, record: Record, user: Any, values: Mapping[str, Any], time_spent_seconds: float | None = None
) -> Response:
    """Submit `user`'s answers to `record`: every required question must be answered."""
    return response_save(
        record=record,
        user=user,
        values=values,
        status=ResponseStatus.SUBMITTED,
        time_spent_seconds=time_spent_seconds,
    )


def response_save_draft(
    *, record: Record, user: Any, values: Mapping[str, Any] | None, time_spent_seconds: float | None = None
) -> Response:
    """Keep partial answers for later; a draft never completes a record."""
    return response_save(
        record=record,
        user=user,
        values=values,
        status=ResponseStatus.DRAFT,
        time_spent_seconds=time_spent_seconds,
    )


def response_discard(
    *,
    record: Record,
    user: Any,
    values: Mapping[str, Any] | None = None,
    time_spent_seconds: float | None = None,
    context: Mapping[str, Any] | None = None,
    version: str | None = None,
) -> Response:
    """Skip the record: it leaves the labeler's queue, and skipping always works (but
    for a stale `version`, as any write). The answers given with it are kept when they
    are valid; otherwise (or when none are given) the earlier answers stay as they were."""
    try:
        return response_save(
            record=record,
            user=user,
            values=values,
            status=ResponseStatus.DISCARDED,
            time_spent_seconds=time_spent_seconds,
            context=context,
            version=version,
        )
    except InvalidData:
        return response_save(record=record, user=user, values=None, status=ResponseStatus.DISCARDED, version=version)


@transaction.atomic
def response_delete(*, response: Response) -> None:
    """Delete a response and recount its record."""
    record = Record.objects.select_related("dataset").select_for_update(of=("self",)).get(pk=response.record_id)
    listeners = webhook_listeners()
    # The event carries the response as it was, so its shape is taken before it goes.
    before = response_data(response, _record_shape(record)) if "response.deleted" in listeners else None
    deleted, _ = Response.objects.filter(pk=response.pk).delete()
    if deleted:
        refresh_record_status(dataset=record.dataset, record_ids=[record.pk])
        _notify(record, record.status, "response.deleted", None, listeners, deleted_shape=before)


def _record_shape(record: Record) -> dict[str, Any]:
    return record_data(record, dataset_data(record.dataset))


def _notify(
    record: Record,
    status_before: str,
    event: str,
    response: Response | None,
    listeners: Listeners | None = None,
    deleted_shape: dict[str, Any] | None = None,
) -> None:
    """Webhook events of a response change: the response's own, then `record.updated`
    when the record's status changed and `record.completed` when it became completed
    (once per completion, not on every later response)."""
    listeners = webhook_listeners() if listeners is None else listeners
    if not {event, "record.updated", "record.completed"} & listeners.keys():
        return
    record.refresh_from_db(fields=["status", "submitted_count", "updated_at"])
    shape = _record_shape(record)
    if record.status != status_before:
        webhook_notify("record.updated", lambda: [shape], listeners)
        if record.status == RecordStatus.COMPLETED:
            webhook_notify("record.completed", lambda: [shape], listeners)
    if deleted_shape is not None:
        webhook_notify(event, lambda: [deleted_shape], listeners)
    elif response is not None:
        webhook_notify(event, lambda: [response_data(response, shape)], listeners)
