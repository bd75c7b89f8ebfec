"""Read paths that encode rules: always start from what the user may see."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import User
from feedback.dashboard import Dashboard, ResponseRow
from feedback.leaderboard import Leaderboard, plan_for
from feedback.models import (
    Dataset,
    ExportJob,
    ImportJob,
    MetadataProperty,
    Record,
    RecordStatus,
    Response,
    ResponseStatus,
    Suggestion,
    Webhook,
    WebhookDelivery,
)
from feedback.search import TEXT_SEARCH_CONFIG, FieldsVector
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


def visible_metadata_properties(user: Any, dataset: Dataset) -> QuerySet[MetadataProperty]:
    """The dataset's metadata properties `user` may see (`access.visible_metadata_properties`)."""
    return access.visible_metadata_properties(user, dataset, dataset.metadata_properties.all())


def metadata_shown_to(user: Any, dataset: Dataset) -> frozenset[str] | None:
    """The metadata keys of this dataset's records that `user` may see; None: all of them."""
    if access.sees_all_metadata(user, dataset):
        return None
    return frozenset(visible_metadata_properties(user, dataset).values_list("name", flat=True))


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


BROWSE_STATUSES = ("pending", "draft", "submitted", "discarded")


def records_for_labeler(
    user: Any, dataset: Dataset, *, status: str | None, text: str | None, metadata: dict[str, str]
) -> QuerySet[Record]:
    """The records a labeler browses, filtered by their own response status ("pending":
    not answered by them), a text search and metadata visible to annotators."""
    records = Record.objects.filter(dataset=dataset)
    mine = Response.objects.filter(record=OuterRef("pk"), user=user)
    if status == "pending":
        records = records.exclude(Exists(mine))
    elif status in BROWSE_STATUSES:
        records = records.filter(Exists(mine.filter(status=status)))
    if text:
        if connection.vendor == "postgresql":
            query = SearchQuery(text, config=TEXT_SEARCH_CONFIG, search_type="websearch")
            records = records.annotate(document=FieldsVector("fields")).filter(document=query)
        else:
            records = records.annotate(_text=Cast("fields", TextField())).filter(_text__icontains=text)
    visible = set(visible_metadata_properties(user, dataset).values_list("name", flat=True))
    for name, value in metadata.items():
        if name in visible and value:
            records = records.filter(**{f"metadata__{name}": value})
    return records.order_by("inserted_at", "id")


def recent_jobs(dataset: Dataset, limit: int = 10) -> list[ImportJob | ExportJob]:
    """The dataset's latest import and export jobs, newest first (for managers' pages)."""
    imports = list(ImportJob.objects.filter(dataset=dataset).order_by("-inserted_at")[:limit])
    exports = list(ExportJob.objects.filter(dataset=dataset).order_by("-inserted_at")[:limit])
    return sorted([*imports, *exports], key=lambda job: job.inserted_at, reverse=True)[:limit]


def job_url(job: ImportJob | ExportJob) -> str:
    """Where a job's status is read (the API, which the pages' progress bars poll)."""
    return f"/api/v1/{'imports' if isinstance(job, ImportJob) else 'exports'}/{job.pk}"


def recent_deliveries(webhook: Webhook, limit: int = 20) -> list[WebhookDelivery]:
    """A webhook's latest deliveries (and pings), newest first."""
    return list(WebhookDelivery.objects.filter(webhook=webhook).order_by("-inserted_at")[:limit])


ProgressCallback = Callable[[int, int], None]  # (responses read, responses in the dataset)
METRICS_CHUNK = 2000


def gold_accuracy_by_labeler(dataset: Dataset) -> dict[str, float]:
    """Each labeler's accuracy on the dataset's gold records, by user id: the gold
    checks' selector goes here. None are measured yet, so none are reported (absent
    means absent; never a made-up number)."""
    return {}


def dataset_metrics(dataset: Dataset, *, on_progress: ProgressCallback | None = None) -> dict[str, Any]:
    """The quality dashboard of a dataset, for its managers (`feedback.dashboard`):
    progress per day and the ETA, agreement per question with a bootstrap interval,
    answer distributions and the most disputed records, per-labeler counts, time,
    paste rate and alpha without them, and the leaderboard where the dataset names its
    models. Every response is streamed once, ordered by record, `METRICS_CHUNK` rows at
    a time (values, not model instances), so memory stays flat; five queries.
    `on_progress` is called every chunk with (responses read, responses in the dataset)."""
    slots = dict(dataset.leaderboard_models or {})
    questions = list(dataset.questions.all())
    dashboard = Dashboard(
        questions,
        min_submitted=dataset.min_submitted,
        leaderboard=plan_for(questions, list(slots)) if slots else None,
        now=timezone.now(),
    )
    responses = Response.objects.filter(record__dataset=dataset)
    total = responses.count() if on_progress is not None else 0
    columns = ["record_id", "record__status", "user_id", "status", "values", "time_spent_seconds", "submitted_at"]
    columns += ["context", *(["record__metadata"] if slots else [])]
    rows = responses.order_by("record_id").values_list(*columns).iterator(chunk_size=METRICS_CHUNK)
    done = 0
    for record_id, group in groupby(rows, key=itemgetter(0)):
        group = list(group)
        metadata = (group[0][8] or {}) if slots else None
        dashboard.add_record(
            str(record_id),
            group[0][1],
            [
                ResponseRow(
                    user_id=str(row[2]),
                    status=row[3],
                    values=row[4] or {},
                    time_spent_seconds=row[5],
                    submitted_at=row[6],
                    pasted=(row[7] or {}).get("pasted") or (),
                )
                for row in group
            ],
            models={name: metadata.get(key) for name, key in slots.items()} if metadata is not None else None,
        )
        if on_progress is not None and (done + len(group)) // METRICS_CHUNK > done // METRICS_CHUNK:
            on_progress(done + len(group), total)
        done += len(group)
    records = dataset.records.aggregate(
        total=Count("id"), completed=Count("id", filter=Q(status=RecordStatus.COMPLETED))
    )
    usernames = {
        str(pk): username
        for pk, username in User.objects.filter(pk__in=list(dashboard.labelers)).values_list("pk", "username")
    }
    return dashboard.report(
        records=records,
        usernames=usernames,
        gold_accuracy=gold_accuracy_by_labeler(dataset),
        leaderboard_models=slots,
    )


def dataset_leaderboard(dataset: Dataset) -> dict[str, Any]:
    """The model leaderboard of a dataset, for its managers (`feedback.leaderboard`):
    every submitted response read against the models its record's metadata names for
    the response fields (`Dataset.leaderboard_models`). Streamed; two queries."""
    slots = dict(dataset.leaderboard_models or {})
    board = Leaderboard(plan_for(dataset.questions.all(), list(slots)))
    submitted = Response.objects.filter(record__dataset=dataset, status=ResponseStatus.SUBMITTED).values_list(
        "values", "record__metadata"
    )
    if slots:
        for values, metadata in submitted.iterator(chunk_size=2000):
            metadata = metadata or {}
            board.add_response(values or {}, {name: metadata.get(key) for name, key in slots.items()})
    return {"leaderboard_models": slots, **board.report()}
