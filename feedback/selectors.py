"""Read paths that encode rules: always start from what the user may see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db import connection, connections
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast

from config.db import Columns
from config.replica import replica_reads_for_request
from feedback import gold
from feedback.dashboard import ProgressCallback, dashboard_compute
from feedback.leaderboard import Leaderboard, plan_for
from feedback.models import (
    Dataset,
    ExportJob,
    ImportJob,
    JobStatus,
    MetadataProperty,
    MetricsJob,
    MetricsSnapshot,
    Record,
    RecordStatus,
    Response,
    ResponseStatus,
    Review,
    ReviewState,
    Suggestion,
    Webhook,
    WebhookDelivery,
)
from feedback.search import TEXT_SEARCH_CONFIG, FieldsVector, page_of, suggestion_condition
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


@dataclass(frozen=True)
class LabelerProgress:
    """One labeler's own counts on one dataset: their responses by status and the
    pending records they have not answered yet (`left`)."""

    submitted: int = 0
    drafts: int = 0
    discarded: int = 0
    left: int = 0

    @property
    def done(self) -> int:
        """Records they answered for good (submitted or discarded)."""
        return self.submitted + self.discarded

    @property
    def total(self) -> int:
        """Records they can answer: the ones they answered or drafted, and those left."""
        return self.submitted + self.drafts + self.discarded + self.left


def labeler_progress(user: Any, dataset_ids: Sequence[Any]) -> dict[Any, LabelerProgress]:
    """`user`'s own progress on each of these datasets (two queries, whatever their
    number), for the home page and the record page's orientation bar."""
    mine: dict[Any, dict[str, int]] = {pk: {} for pk in dataset_ids}
    rows = (
        Response.objects.filter(user=user, record__dataset_id__in=dataset_ids)
        .values("record__dataset_id", "status")
        .annotate(count=Count("id"))
    )
    for row in rows:
        mine[row["record__dataset_id"]][row["status"]] = row["count"]
    answered = Response.objects.filter(record=OuterRef("pk"), user=user)
    left = dict(
        Record.objects.filter(dataset_id__in=dataset_ids, status=RecordStatus.PENDING)
        .exclude(Exists(answered))
        .values("dataset_id")
        .annotate(count=Count("id"))
        .values_list("dataset_id", "count")
    )
    return {
        pk: LabelerProgress(
            submitted=counts.get(ResponseStatus.SUBMITTED, 0),
            drafts=counts.get(ResponseStatus.DRAFT, 0),
            discarded=counts.get(ResponseStatus.DISCARDED, 0),
            left=left.get(pk, 0),
        )
        for pk, counts in mine.items()
    }


REVIEWS_PAGE = 50


def review_queue(dataset: Dataset) -> QuerySet[Review]:
    """A dataset's reviews for its review queue: pending first, oldest first (one query
    a page, with the record and who sent and settled it)."""
    pending_first = Case(When(state=ReviewState.PENDING, then=Value(0)), default=Value(1))
    return (
        Review.objects.filter(dataset=dataset)
        .select_related("record", "sent_by", "reviewer")
        .order_by(pending_first, "inserted_at", "id")
    )


def review_of_record(dataset: Dataset, record_id: Any) -> Review | None:
    """The record's pending review, else its latest settled one (None: never queued)."""
    return (
        review_queue(dataset)
        .filter(record_id=record_id)
        .order_by(Case(When(state=ReviewState.PENDING, then=Value(0)), default=Value(1)), "-settled_at")
        .first()
    )


def next_pending_review(dataset: Dataset) -> Review | None:
    """The oldest pending review of the dataset, the reviewer's next."""
    return Review.objects.filter(dataset=dataset, state=ReviewState.PENDING).order_by("inserted_at", "id").first()


def responses_by_record(
    user: Any, dataset: Dataset, record_ids: Sequence[Any], *, unanswered_by_user: bool = False
) -> dict[Any, list[Response]]:
    """The responses `user` may read on these records (all for managers, else their own).
    `unanswered_by_user`: the caller knows `user` has no response on them (a record the
    queue just handed them for the first time), so one who reads only their own needs no query."""
    if unanswered_by_user and not access.can_see_all_responses(user, dataset):
        return {record_id: [] for record_id in record_ids}
    responses = access.visible_responses(user, dataset, Response.objects.filter(record_id__in=record_ids))
    grouped: dict[Any, list[Response]] = {record_id: [] for record_id in record_ids}
    for response in responses.order_by("inserted_at"):
        grouped[response.record_id].append(response)
    return grouped


def visible_metadata_properties(user: Any, dataset: Dataset) -> QuerySet[MetadataProperty]:
    """The dataset's metadata properties `user` may see (`access.visible_metadata_properties`)."""
    return access.visible_metadata_properties(user, dataset, dataset.metadata_properties.all())


# `access.visible_metadata_properties` for an annotator, as names, in SQL: every record
# an annotator is shown (the labeling loop's `next` too) asks.
_SHOWN_TO_ANNOTATORS = "SELECT p.name FROM {table} p WHERE p.dataset_id = %s AND p.visible_for_annotators"


def metadata_shown_to(user: Any, dataset: Dataset) -> frozenset[str] | None:
    """The metadata keys of this dataset's records that `user` may see; None: all of them."""
    if access.sees_all_metadata(user, dataset):
        return None
    connection = connections[MetadataProperty.objects.db]
    with connection.cursor() as cursor:
        cursor.execute(
            _SHOWN_TO_ANNOTATORS.format(table=MetadataProperty._meta.db_table),
            [Dataset._meta.pk.get_db_prep_value(dataset.pk, connection)],
        )
        return frozenset(name for (name,) in cursor.fetchall())


_SUGGESTION = Columns(Suggestion, "s")
# Every record shown reads its suggestions, the labeling loop's `next` too: in SQL (see `Columns`).
_SUGGESTIONS = "SELECT {suggestion} FROM feedback_suggestion s WHERE s.record_id IN ({records}) ORDER BY s.inserted_at"


def suggestions_by_record(record_ids: Sequence[Any]) -> dict[Any, list[Suggestion]]:
    grouped: dict[Any, list[Suggestion]] = {record_id: [] for record_id in record_ids}
    if not grouped:
        return grouped
    connection = connections[Suggestion.objects.db]
    record = Suggestion._meta.get_field("record")
    with connection.cursor() as cursor:
        cursor.execute(
            _SUGGESTIONS.format(suggestion=_SUGGESTION.select, records=", ".join(["%s"] * len(grouped))),
            [record.get_db_prep_value(pk, connection) for pk in grouped],
        )
        for row in cursor.fetchall():
            suggestion = _SUGGESTION.read(connection, row)
            grouped[suggestion.record_id].append(suggestion)
    return grouped


def records_page(dataset: Dataset, *, offset: int, limit: int) -> tuple[list[Record], int]:
    """One page of the dataset's records, oldest first, and the total."""
    records = page_of(Record.objects.filter(dataset=dataset), ["inserted_at", "id"], offset=offset, limit=limit)
    if offset == 0 and len(records) < limit:
        total = len(records)
    else:
        total = Record.objects.filter(dataset=dataset).count()
    return records, total


BROWSE_STATUSES = ("pending", "draft", "submitted", "discarded")


def records_for_labeler(
    user: Any,
    dataset: Dataset,
    *,
    status: str | None,
    text: str | None,
    metadata: dict[str, str],
    min_score: float | None = None,
) -> QuerySet[Record]:
    """The records a labeler browses, filtered by their own response status ("pending":
    not answered by them), a text search, metadata visible to annotators and a lowest
    suggestion score (a suggestion on any question scored at least `min_score`, as the
    search API's suggestion score range filters)."""
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
    if min_score is not None:
        records = records.filter(suggestion_condition(dataset, None, "score", "gte", min_score))
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


JOB_ROUTES = {ImportJob: "imports", ExportJob: "exports", MetricsJob: "metrics-jobs"}


@dataclass(frozen=True)
class JobDurations:
    """Finished jobs of one kind and outcome: how many took at most each bound (seconds),
    how many in all, and their run times' sum."""

    kind: str
    outcome: str
    buckets: list[tuple[float, int]]
    count: int
    total_seconds: float


JOB_KINDS = {"imports": ImportJob, "exports": ExportJob, "metrics": MetricsJob}


def finished_job_durations(bounds: Sequence[float]) -> list[JobDurations]:
    """Run times of every finished job, for the operators' metrics: counts across all
    workspaces, no tenant's data (one grouped query per kind of job)."""
    result = []
    run_time = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    for kind, model in JOB_KINDS.items():
        bucket_counts = {
            f"le_{i}": Count("pk", filter=Q(run_time__lte=timedelta(seconds=bound))) for i, bound in enumerate(bounds)
        }
        rows = (
            model.objects.filter(
                status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED], started_at__isnull=False, finished_at__isnull=False
            )
            .annotate(run_time=run_time)
            .values("status")
            .annotate(count=Count("pk"), total=Sum("run_time"), **bucket_counts)
            .order_by("status")
        )
        for row in rows:
            result.append(
                JobDurations(
                    kind=kind,
                    outcome=row["status"],
                    buckets=[(bound, row[f"le_{i}"]) for i, bound in enumerate(bounds)],
                    count=row["count"],
                    total_seconds=row["total"].total_seconds() if row["total"] else 0.0,
                )
            )
    return result


def job_url(job: ImportJob | ExportJob | MetricsJob) -> str:
    """Where a job's status is read (the API, which the pages' progress bars poll)."""
    return f"/api/v1/{JOB_ROUTES[type(job)]}/{job.pk}"


def recent_deliveries(webhook: Webhook, limit: int = 20) -> list[WebhookDelivery]:
    """A webhook's latest deliveries (and pings), newest first."""
    return list(WebhookDelivery.objects.filter(webhook=webhook).order_by("-inserted_at")[:limit])


def dataset_metrics(dataset: Dataset, *, on_progress: ProgressCallback | None = None) -> dict[str, Any]:
    """The quality dashboard of a dataset computed now, for its managers
    (`feedback.dashboard.dashboard_compute`: one streaming pass, five queries). The API
    and the pages answer from its cached copy (`metrics_snapshot`)."""
    return dashboard_compute(dataset, on_progress=on_progress)


def workspace_datasets(user: Any, workspace_id: Any) -> list[Dataset]:
    """A workspace's datasets the user may see, for its overview page: record counts
    (`datasets_for_user`) and `responses_total` (two queries)."""
    datasets = list(datasets_for_user(user).filter(workspace_id=workspace_id))
    counts = dict(
        Response.objects.filter(record__dataset__in=[d.pk for d in datasets])
        .values("record__dataset_id")
        .annotate(count=Count("id"))
        .values_list("record__dataset_id", "count")
    )
    for dataset in datasets:
        dataset.responses_total = counts.get(dataset.pk, 0)
    return datasets


def records_by_id(dataset: Dataset, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Some of a dataset's records by id (as text): their external id and whether a
    review of them exists, for links from the dashboard (one query)."""
    reviewed = Review.objects.filter(record=OuterRef("pk"))
    rows = (
        Record.objects.filter(dataset=dataset, pk__in=list(ids))
        .annotate(reviewed=Exists(reviewed))
        .values_list("pk", "external_id", "reviewed")
    )
    return {str(pk): {"external_id": external_id, "reviewed": flag} for pk, external_id, flag in rows}


def metrics_snapshot(dataset: Dataset) -> MetricsSnapshot | None:
    """The dataset's latest computed dashboard, if any."""
    return MetricsSnapshot.objects.filter(dataset=dataset).first()


def latest_metrics_job(dataset: Dataset) -> MetricsJob | None:
    return MetricsJob.objects.filter(dataset=dataset).order_by("-inserted_at").first()


def dataset_gold_report(dataset: Dataset) -> gold.GoldReport:
    """Each labeler's accuracy on the dataset's gold records, flagged and paused
    (`feedback.gold.GoldReport`, a plain dataclass; `as_dict()` for JSON)."""
    return gold.gold_report(dataset)


def gold_paused(dataset: Dataset, user: Any) -> bool:
    """Whether `user` is paused on `dataset` for review of their gold answers."""
    return gold.is_paused(dataset, user)


def dataset_leaderboard(dataset: Dataset) -> dict[str, Any]:
    """The model leaderboard of a dataset, for its managers (`feedback.leaderboard`):
    every submitted response read against the models its record's metadata names for
    the response fields (`Dataset.leaderboard_models`). Streamed; two queries, on the
    read replica when it has caught up (`config.replica`)."""
    slots = dict(dataset.leaderboard_models or {})
    with replica_reads_for_request():
        board = Leaderboard(plan_for(dataset.questions.all(), list(slots)))
        submitted = Response.objects.filter(record__dataset=dataset, status=ResponseStatus.SUBMITTED).values_list(
            "values", "record__metadata"
        )
        if slots:
            for values, metadata in submitted.iterator(chunk_size=2000):
                metadata = metadata or {}
                board.add_response(values or {}, {name: metadata.get(key) for name, key in slots.items()})
    return {"leaderboard_models": slots, **board.report()}
