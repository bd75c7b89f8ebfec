"""Exports: a job row per export, run by a Celery task, streamed to a file in storage.

Records are read in keyset-ordered chunks with their responses, turned into rows by
`feedback.exports.layouts`, and written one chunk at a time by the format's writer
(`feedback.exports.writers`: JSONL, Parquet, a zipped `datasets` folder) to a temporary
file, so memory stays flat however large the dataset. The job row records which
responses were used (by status), the strategy, progress and counts; downloads go
through it.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from django.contrib.postgres.aggregates.mixins import OrderableAggMixin
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Aggregate, F, Field, Func, JSONField, OuterRef, Q, QuerySet, Subquery, Value

from config.replica import replica_reads_for_job
from feedback.errors import InvalidData, Problem
from feedback.exports.layouts import ExportSchema, RecordData, check_options, default_unification, rows_for
from feedback.exports.writers import FORMATS as FILE_FORMATS
from feedback.exports.writers import file_schema, writer_for
from feedback.models import (
    Dataset,
    ExportJob,
    JobStatus,
    Question,
    Record,
    Response,
    ResponseStatus,
    Review,
    ReviewState,
    Suggestion,
)
from feedback.questions import kind_of
from feedback.services.jobs import RUN_EXPORT_TASK as RUN_EXPORT_TASK
from feedback.services.jobs import (
    JobLost,
    job_finish,
    job_progress,
    job_running,
    job_send_after_commit,
    job_start,
)
from feedback.unification import PER_LABELER, REVIEWED
from workspaces import audit

FORMATS = tuple(FILE_FORMATS)
CHUNK = 1000
ProgressCallback = Callable[[int, int], None]  # (records done, records in the dataset)
logger = logging.getLogger(__name__)


def _schema(dataset: Dataset, options: Mapping[str, Any]) -> tuple[ExportSchema, list[Problem]]:
    fields = {field.name: field for field in dataset.fields.all()}
    questions = {question.name: question for question in dataset.questions.all()}
    problems: list[Problem] = []

    def pick(key: str, candidates: list[str], kind: str) -> str | None:
        name = options.get(key)
        if name is None:
            return candidates[0] if candidates else None
        if name not in candidates:
            problems.append(Problem(("options", key), f"no {kind} named {name!r} in this dataset"))
        return name

    preference_question, compared_fields, tie_value = _pairwise_vote(options, fields, questions, problems)
    reviewed = options.get("unification") == REVIEWED
    # With `reviewed`, records without a settled review are unified by the fallback.
    strategy = options.get("fallback") if reviewed else options.get("unification")
    prompt_field = pick(
        "prompt_field",
        ["prompt", *[n for n in fields if n != "prompt"]] if "prompt" in fields else list(fields),
        "field",
    )
    schema = ExportSchema(
        prompt_field=prompt_field,
        prompt_is_chat=bool(prompt_field and fields.get(prompt_field) and fields[prompt_field].type == "chat"),
        completion_question=pick(
            "completion_question", [n for n, q in questions.items() if kind_of(q.type).writes_text], "text question"
        ),
        ranking_question=pick(
            "ranking_question", [n for n, q in questions.items() if kind_of(q.type).ranks_options], "ranking question"
        ),
        unification=strategy or "mean_rank",
        rating_unification=strategy or "mean",
        label_unification=options.get("label_unification", "majority"),
        pair_mode=options.get("pair_mode", "all_pairs"),
        rating_question=pick(
            "rating_question", [n for n, q in questions.items() if kind_of(q.type).rates], "rating question"
        ),
        completion_field=pick("completion_field", [n for n in fields if n != prompt_field], "field"),
        label_question=pick(
            "label_question",
            [n for n, q in questions.items() if kind_of(q.type).chooses_labels],
            "label question",
        ),
        per_labeler=strategy == PER_LABELER,
        reviewed=reviewed,
        threshold=_number(options, "threshold", problems),
        min_rating=_number(options, "min_rating", problems),
        require_labels=_labels(options, "require_labels", problems),
        exclude_labels=_labels(options, "exclude_labels", problems),
        field_types={name: field.type for name, field in fields.items()},
        question_types={name: question.type for name, question in questions.items()},
        preference_question=preference_question,
        compared_fields=compared_fields,
        tie_value=tie_value,
    )
    return schema, problems


def _pairwise_vote(
    options: Mapping[str, Any], fields: Mapping[str, Any], questions: Mapping[str, Question], problems: list[Problem]
) -> tuple[str | None, tuple[str, str] | None, str]:
    """The `preference_question` option: a label question whose options name the better
    of two response fields, or say it is a tie (`tie_value`)."""
    tie_value = options.get("tie_value", "tie")
    if not isinstance(tie_value, str):
        problems.append(Problem(("options", "tie_value"), "must be text"))
        tie_value = "tie"
    name = options.get("preference_question")
    if name is None:
        return None, None, tie_value
    if "ranking_question" in options:
        problems.append(Problem(("options", "preference_question"), "give a ranking_question or this, not both"))
    question = questions.get(name) if isinstance(name, str) else None
    if question is None or not kind_of(question.type).chooses_one:
        problems.append(
            Problem(("options", "preference_question"), f"no label question named {name!r} in this dataset")
        )
        return None, None, tie_value
    values = [option["value"] for option in question.settings.get("options", [])]
    named = [value for value in values if value in fields]
    others = [value for value in values if value not in fields and value != tie_value]
    if len(named) != 2 or others:
        problems.append(
            Problem(
                ("options", "preference_question"),
                f"the options of {name!r} must be two field names and the tie value {tie_value!r}; "
                f"they name the fields {named} and also hold {others}",
            )
        )
        return None, None, tie_value
    if "tie_value" in options and tie_value not in values:
        problems.append(Problem(("options", "tie_value"), f"{tie_value!r} is not an option of {name!r}"))
    return name, (named[0], named[1]), tie_value


def _number(options: Mapping[str, Any], key: str, problems: list[Problem]) -> float | None:
    value = options.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(Problem(("options", key), "must be a number"))
        return None
    return float(value)


def _labels(options: Mapping[str, Any], key: str, problems: list[Problem]) -> list[str]:
    value = options.get(key) or []
    if not isinstance(value, list) or not all(isinstance(label, str) for label in value):
        problems.append(Problem(("options", key), "must be a list of labels"))
        return []
    return value


def _statuses(options: Mapping[str, Any]) -> list[str]:
    statuses = options.get("statuses", [ResponseStatus.SUBMITTED])
    if not isinstance(statuses, list) or not statuses or not set(statuses) <= set(ResponseStatus.values):
        raise InvalidData.at(("options", "statuses"), f"must be a non-empty list among {ResponseStatus.values}")
    return statuses


@transaction.atomic
def export_create(
    *,
    dataset: Dataset,
    user: Any,
    layout: str,
    format: str = "jsonl",
    options: Mapping[str, Any] | None = None,
    queue_run: bool = True,
) -> ExportJob:
    """Record an export job and queue it once the transaction commits (a broker that
    cannot be reached leaves it queued for the sweep: `feedback.services.jobs`); with
    `queue_run=False` nothing is queued and the caller runs it (`export_run`)."""
    options = dict(options or {})
    problems = [Problem(("options",), message) for message in check_options(layout, options)]
    if format not in FORMATS:
        problems.append(Problem(("format",), f"must be one of {list(FORMATS)}"))
    schema, schema_problems = _schema(dataset, options)
    problems += schema_problems
    if layout == "kto" and schema.rating_question is None:
        # Without a rating question there is nothing for a threshold to apply to.
        problems.append(
            Problem(
                ("options", "rating_question"),
                "kto labels completions by a rating question, and this dataset has none: add one",
            )
        )
    elif layout == "kto" and schema.threshold is None:
        problems.append(Problem(("options", "threshold"), "kto needs a rating threshold (label = rating >= threshold)"))
    if problems:
        raise InvalidData(problems)
    options["statuses"] = _statuses(options)
    # Gold records (expected answers, answered by every labeler) stay out unless asked for.
    options["include_gold"] = options.get("include_gold", False)
    if not isinstance(options["include_gold"], bool):
        raise InvalidData.at(("options", "include_gold"), "must be true or false")
    # The job records the strategy it used, chosen or by default.
    if (unification := default_unification(layout)) is not None:
        options.setdefault("unification", unification)
        if options["unification"] == REVIEWED:
            options.setdefault("fallback", unification)
    if layout == "rl_prompts":
        options.setdefault("label_unification", "majority")
    job = ExportJob.objects.create(
        workspace_id=dataset.workspace_id,
        dataset=dataset,
        created_by=user,
        layout=layout,
        format=format,
        options=options,
    )
    audit.created(job, verb="export started", fields=("layout", "format", "options"), workspace_id=dataset.workspace_id)
    if queue_run:
        job_send_after_commit(job=job)
    return job


class _JsonAgg(OrderableAggMixin, Aggregate):
    """`json_agg`: unlike `jsonb_agg`, it keeps each object's keys in the order given."""

    function = "JSON_AGG"
    template = "%(function)s(%(expressions)s %(order_by)s)"
    output_field = JSONField()


class _JsonObject(Func):
    """`json_build_object(key, value, …)`: keys stay in the order given."""

    function = "JSON_BUILD_OBJECT"
    output_field = JSONField()

    def __init__(self, **columns: Any) -> None:
        super().__init__(*(part for key, value in columns.items() for part in (Value(key), F(value))))


def _aggregated(items: QuerySet, **columns: str) -> Subquery:
    """A record's `items` as one JSON array built in SQL (`null` when there are none):
    one value to decode per record instead of one per response or suggestion."""
    rows = items.filter(record=OuterRef("pk")).order_by().values("record")
    return Subquery(
        rows.annotate(items=_JsonAgg(_JsonObject(**columns), order_by="inserted_at")).values("items"),
        # psycopg2 decodes `json` values itself: a field with no converter takes them as they come.
        output_field=Field(),
    )


RESPONSE_KEYS = {"user": "user__username", "status": "status", "values": "values"}
REVIEW_KEYS = {"user": "reviewer__username", "values": "values"}


def _settled_reviews() -> QuerySet[Review]:
    """Settled reviews, a record's latest first (what `unification: reviewed` uses)."""
    return Review.objects.filter(state=ReviewState.SETTLED).order_by("record_id", "-settled_at")


def _as_response(review: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if review is None else {"user": review["user"], "status": "reviewed", "values": review["values"]}


SUGGESTION_KEYS = {"question": "question__name", "value": "value", "score": "score", "agent": "agent", "type": "type"}


def _exported(dataset: Dataset, include_gold: bool) -> QuerySet[Record]:
    """The records an export reads: gold records only when asked for."""
    records = Record.objects.filter(dataset=dataset)
    return records if include_gold else records.filter(gold__isnull=True)


def _records(
    dataset: Dataset, statuses: list[str], raw: bool, include_gold: bool, reviewed: bool = False
) -> Iterator[RecordData]:
    """Every record of the dataset, in order, in chunks (keyset pagination), with the
    chosen responses; metadata and suggestions only for the `raw` layout, the one that
    writes them.

    On PostgreSQL each record's responses (and suggestions) come aggregated in its row,
    one JSON value to decode per record; elsewhere (SQLite, the quick try) they are read
    with two more queries per chunk."""
    in_sql = connection.vendor == "postgresql"
    # Named apart from the reverse relations `responses` and `suggestions`.
    columns: dict[str, Any] = {}
    if in_sql:
        columns["chosen_responses"] = _aggregated(Response.objects.filter(status__in=statuses), **RESPONSE_KEYS)
        if raw:
            columns["all_suggestions"] = _aggregated(Suggestion.objects.all(), **SUGGESTION_KEYS)
        if reviewed:
            latest = _settled_reviews().filter(record=OuterRef("pk")).order_by("-settled_at")
            columns["latest_review"] = Subquery(
                latest.annotate(answer=_JsonObject(**REVIEW_KEYS)).values("answer")[:1], output_field=Field()
            )
    last: tuple[Any, Any] | None = None
    while True:
        records = _exported(dataset, include_gold).order_by("inserted_at", "id")
        if last is not None:
            # The redundant `>=` lets PostgreSQL range-scan the index instead of re-reading
            # every earlier record for each chunk (measured: 109 ms -> ~1 ms at row 190,000).
            records = records.filter(inserted_at__gte=last[0]).filter(
                Q(inserted_at__gt=last[0]) | Q(inserted_at=last[0], id__gt=last[1])
            )
        names = ["id", "external_id", "fields", "status", "inserted_at", *(["metadata"] if raw else [])]
        chunk = list(records.values(*names, **columns)[:CHUNK])
        if not chunk:
            return
        if not in_sql:
            _attach(chunk, statuses, raw, reviewed)
        for row in chunk:
            yield RecordData(
                id=str(row["id"]),
                external_id=row["external_id"],
                fields=row["fields"],
                metadata=row.get("metadata"),
                status=row["status"],
                suggestions=row.get("all_suggestions") or [],
                responses=row["chosen_responses"] or [],
                reviewed=_as_response(row.get("latest_review")),
            )
        last = (chunk[-1]["inserted_at"], chunk[-1]["id"])


def _attach(chunk: list[dict[str, Any]], statuses: list[str], raw: bool, reviewed: bool) -> None:
    """A chunk's responses (and suggestions) read apart, as `_aggregated` gives them."""
    by_id = {row["id"]: row for row in chunk}
    for row in chunk:
        row["chosen_responses"], row["all_suggestions"] = [], []
    responses = Response.objects.filter(record_id__in=by_id, status__in=statuses).order_by("inserted_at")
    for found in responses.values("record_id", *RESPONSE_KEYS.values()):
        by_id[found["record_id"]]["chosen_responses"].append({k: found[v] for k, v in RESPONSE_KEYS.items()})
    if reviewed:
        for found in _settled_reviews().filter(record_id__in=by_id).values("record_id", *REVIEW_KEYS.values()):
            by_id[found["record_id"]].setdefault("latest_review", {k: found[v] for k, v in REVIEW_KEYS.items()})
    if raw:
        suggestions = Suggestion.objects.filter(record_id__in=by_id).order_by("inserted_at")
        for found in suggestions.values("record_id", *SUGGESTION_KEYS.values()):
            by_id[found["record_id"]]["all_suggestions"].append({k: found[v] for k, v in SUGGESTION_KEYS.items()})


def export_run(*, job_id: Any, on_progress: ProgressCallback | None = None) -> ExportJob:
    """Run an export job. Idempotent: a finished job, or one a live worker is running,
    is left as it is (`job_start`); a job whose worker died starts over and replaces
    its partial file. `on_progress` is called after every chunk with (records done,
    records in the dataset)."""
    job, start = job_start(model=ExportJob, job_id=job_id)
    if not start:
        return job
    # On the replica once it holds every write committed before this run began.
    with job_running(job=job), replica_reads_for_job():
        _write(job, on_progress)
    job.refresh_from_db()
    return job


def _write(job: ExportJob, on_progress: ProgressCallback | None) -> dict[str, int]:
    dataset = job.dataset
    schema, _ = _schema(dataset, job.options)
    statuses = job.options.get("statuses", [ResponseStatus.SUBMITTED])
    include_gold = job.options.get("include_gold", False)
    total = _exported(dataset, include_gold).count()
    counts = {"records": 0, "responses": 0, "rows": 0, "dropped": 0, "ties": 0}
    if schema.reviewed:
        counts["reviewed"] = 0  # records whose settled review was used
    extension = FILE_FORMATS[job.format].extension
    with tempfile.TemporaryDirectory(prefix="feedloop-export-") as scratch:
        path = Path(scratch) / f"export{extension}"
        with closing(writer_for(job.format, path, file_schema(job.layout, schema))) as writer:
            chunk: list[dict[str, Any]] = []

            def flush() -> None:
                # One chunk of records is one write (a Parquet row group, an Arrow batch).
                writer.write(chunk)
                chunk.clear()
                job_progress(job=job, progress=min(counts["records"] / max(total, 1), 1.0), counts=counts)
                if on_progress is not None:
                    on_progress(counts["records"], total)

            chosen = _records(dataset, statuses, job.layout == "raw", include_gold, schema.reviewed)
            records = rows_for(job.layout, schema, chosen)
            for record, rows in records:
                counts["records"] += 1
                if schema.reviewed and record.reviewed is not None:
                    counts["reviewed"] += 1
                counts["responses"] += len(record.responses)
                counts["rows"] += len(rows.rows)
                counts["dropped"] += 1 if rows.dropped else 0
                counts["ties"] += rows.ties
                chunk.extend(rows.rows)
                if counts["records"] % CHUNK == 0:
                    flush()
            if counts["records"] % CHUNK or not counts["records"]:
                flush()
        if job.file:
            job.file.delete(save=False)
        with path.open("rb") as handle:
            name = default_storage.save(
                f"exports/{dataset.pk}/{job.pk}{extension}",
                File(handle),
                max_length=ExportJob._meta.get_field("file").max_length,
            )
    try:
        job_finish(job=job, status=JobStatus.SUCCEEDED, progress=1.0, counts=counts, file=name, error="")
    except JobLost:
        default_storage.delete(name)  # another run owns the job (and writes its own file)
        raise
    return counts
