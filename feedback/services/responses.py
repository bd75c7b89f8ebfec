"""Responses: submit, save a draft, discard, delete; and the record status they drive.

Every response write locks its record row first. That serialises the writers of one
record (the same labeler double-posting, or several labelers finishing together), so
the one-response-per-user rule and the record's `submitted_count` stay exact, while
labelers on different records never wait on each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Case, Count, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from feedback.distribution import release_lease
from feedback.errors import InvalidData, Problem
from feedback.models import Dataset, Record, RecordStatus, Response, ResponseStatus
from feedback.questions import clean_response_values
from feedback.services.webhooks import Listeners, webhook_listeners, webhook_notify
from feedback.storable import json_problems
from feedback.webhooks import dataset_data, record_data, response_data

ACTIVITY_RESOLUTION = timedelta(minutes=1)


def record_status_for(min_submitted: int) -> Case:
    """SQL expression: a record is completed once `min_submitted` responses are submitted."""
    return Case(
        When(submitted_count__gte=min_submitted, then=Value(RecordStatus.COMPLETED)),
        default=Value(RecordStatus.PENDING),
    )


def refresh_record_status(*, dataset: Dataset, record_ids: Iterable[UUID]) -> None:
    """Recount submitted responses of the given records and set their status.

    Call inside the transaction that changed the responses, with the records locked.
    """
    ids = list(record_ids)
    if not ids:
        return
    submitted = (
        Response.objects.filter(record=OuterRef("pk"), status=ResponseStatus.SUBMITTED)
        .values("record")
        .annotate(count=Count("*"))
        .values("count")
    )
    records = Record.objects.filter(dataset=dataset, id__in=ids)
    records.update(submitted_count=Coalesce(Subquery(submitted), 0))
    records.update(status=record_status_for(dataset.min_submitted))


def touch_dataset_activity(dataset_id: UUID) -> None:
    """Bump `last_activity_at`, at most once a minute, so busy datasets avoid a hot row."""
    now = timezone.now()
    Dataset.objects.filter(pk=dataset_id, last_activity_at__lt=now - ACTIVITY_RESOLUTION).update(last_activity_at=now)


@transaction.atomic
def response_save(
    *,
    record: Record,
    user: Any,
    values: Mapping[str, Any] | None,
    status: str,
    time_spent_seconds: float | None = None,
    context: Mapping[str, Any] | None = None,
) -> Response:
    """Create or update `user`'s response to `record` with `status`.

    Idempotent: saving the same values and status again changes nothing. A submission
    to a record that completed meanwhile is still stored and counted. Time spent is
    added to what earlier saves recorded.
    """
    if status not in ResponseStatus.values:
        raise InvalidData.at(("status",), f"must be one of {ResponseStatus.values}")
    if time_spent_seconds is not None and not (
        isinstance(time_spent_seconds, (int, float)) and 0 <= time_spent_seconds < 10**7
    ):
        raise InvalidData.at(("time_spent_seconds",), "must be a non-negative number of seconds")
    record = Record.objects.select_related("dataset").select_for_update(of=("self",)).get(pk=record.pk)
    dataset = record.dataset
    if not dataset.is_published:
        raise InvalidData.at((), "the dataset is not published")
    cleaned = clean_response_values(
        list(dataset.questions.all()),
        values,
        submitted=status == ResponseStatus.SUBMITTED,
        record_fields=record.fields,
    )
    response = Response.objects.filter(record=record, user=user).first()
    if response is not None and response.values == cleaned and response.status == status:
        return response
    if context is not None:
        if not isinstance(context, Mapping):
            raise InvalidData([Problem(("context",), "must be an object")])
        if problems := json_problems(dict(context), ("context",)):
            raise InvalidData(problems)
    event = "response.created" if response is None else "response.updated"
    if response is None:
        response = Response(record=record, user=user)
    was_submitted = response.status == ResponseStatus.SUBMITTED
    response.values = cleaned
    response.status = status
    if context:
        response.context = {**response.context, **context}
    if time_spent_seconds is not None:
        response.time_spent_seconds = (response.time_spent_seconds or 0) + time_spent_seconds
    if status == ResponseStatus.SUBMITTED and not was_submitted:
        response.submitted_at = timezone.now()
    response.save()
    if status != ResponseStatus.DRAFT:
        release_lease(record=record, user=user)
    status_before = record.status
    if was_submitted or status == ResponseStatus.SUBMITTED:
        refresh_record_status(dataset=dataset, record_ids=[record.pk])
    touch_dataset_activity(dataset.pk)
    _notify(record, status_before, event, response)
    return response


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
    *, record: Record, user: Any, values: Mapping[str, Any] | None = None, time_spent_seconds: float | None = None
) -> Response:
    """Skip the record: it leaves the labeler's queue; partial answers may be kept."""
    return response_save(
        record=record,
        user=user,
        values=values,
        status=ResponseStatus.DISCARDED,
        time_spent_seconds=time_spent_seconds,
    )


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
