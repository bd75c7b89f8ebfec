"""Read paths that encode rules: always start from what the user may see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q, QuerySet

from feedback.models import Dataset, Record, RecordStatus, Response, Suggestion
from workspaces import access


def datasets_for_user(user: Any) -> QuerySet[Dataset]:
    """The datasets a user may see, with their workspace and record counts (one query)."""
    datasets = access.visible_datasets(user, Dataset.objects.all())
    return (
        datasets.select_related("workspace")
        .annotate(
            records_total=Count("records"),
            records_completed=Count("records", filter=Q(records__status=RecordStatus.COMPLETED)),
        )
        .order_by("workspace__name", "name")
    )


def responses_by_record(user: Any, dataset: Dataset, record_ids: Sequence[Any]) -> dict[Any, list[Response]]:
    """The responses `user` may read on these records (all for managers, else their own)."""
    responses = access.visible_responses(user, dataset, Response.objects.filter(record_id__in=record_ids))
    grouped: dict[Any, list[Response]] = {record_id: [] for record_id in record_ids}
    for response in responses.order_by("inserted_at"):
        grouped[response.record_id].append(response)
    return grouped


def suggestions_by_record(record_ids: Sequence[Any]) -> dict[Any, list[Suggestion]]:
    grouped: dict[Any, list[Suggestion]] = {record_id: [] for record_id in record_ids}
    for suggestion in Suggestion.objects.filter(record_id__in=record_ids).order_by("inserted_at"):
        grouped[suggestion.record_id].append(suggestion)
    return grouped


def records_page(dataset: Dataset, *, offset: int, limit: int) -> tuple[list[Record], int]:
    """One page of the dataset's records, oldest first, and the total."""
    records = list(Record.objects.filter(dataset=dataset).order_by("inserted_at", "id")[offset : offset + limit])
    if offset == 0 and len(records) < limit:
        total = len(records)
    else:
        total = Record.objects.filter(dataset=dataset).count()
    return records, total
