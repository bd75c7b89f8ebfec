"""Review and adjudication: records whose answers disagree, or that an admin sends,
wait in a review queue until a reviewer settles them with the final answer and a note.

* `reviews_on_completion` is called where a record's completion is detected (the
  response writers, in their transaction): a record that completes with a question's
  disagreement at or above its `review_threshold` is queued. It costs nothing for a
  write that completes no record.
* `reviews_scan` does the same for a whole dataset (records completed before review
  existed, or a threshold changed); `review_open` queues one record (an admin's send).
* `review_settle` stores the final answers, validated exactly as a submitted response,
  with the reviewer and a note.

Automatic queueing skips records that were ever reviewed, so scanning again never brings
back a settled record; an admin can always send one again. How far answers disagree is
the registry's (`QuestionKind.disagreement`, `feedback.unification`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from feedback.errors import Conflict, InvalidData, Problem
from feedback.models import (
    Dataset,
    Question,
    Record,
    RecordStatus,
    Response,
    ResponseStatus,
    Review,
    ReviewReason,
    ReviewState,
)
from feedback.questions import clean_response_values, kind_of, review_threshold
from feedback.storable import text_problem
from feedback.unification import disputed

NOTE_MAX = 10_000
SCAN_CHUNK = 1000


def disagreements(questions: Sequence[Question], responses: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """How far one record's answers (the `values` of its submitted responses) disagree,
    per question that can be disputed and has two answers or more."""
    values = list(responses)
    found = {}
    for question in questions:
        kind = kind_of(question.type)
        if not kind.disputes:
            continue
        answers = [value[question.name]["value"] for value in values if question.name in value]
        measured = kind.disagreement(answers, question.settings)
        if measured is not None:
            found[question.name] = round(measured, 4)
    return found


def is_disputed(questions: Sequence[Question], disagreement: Mapping[str, float]) -> bool:
    """Whether any question's disagreement reaches its review threshold."""
    return any(
        disputed(disagreement.get(question.name), review_threshold(question))
        for question in questions
        if question.name in disagreement
    )


def _submitted_values(record_ids: Sequence[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    grouped: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    rows = Response.objects.filter(record_id__in=record_ids, status=ResponseStatus.SUBMITTED).order_by("inserted_at")
    for record_id, values in rows.values_list("record_id", "values"):
        grouped[record_id].append(values or {})
    return grouped


def _queue_disputed(dataset: Dataset, questions: Sequence[Question], record_ids: Sequence[UUID]) -> int:
    """Queue those of the (completed, never reviewed) records whose answers are disputed."""
    answers = _submitted_values(record_ids)
    now = timezone.now()
    reviews = []
    for record_id in record_ids:
        disagreement = disagreements(questions, answers.get(record_id, []))
        if is_disputed(questions, disagreement):
            reviews.append(
                Review(
                    dataset=dataset,
                    record_id=record_id,
                    reason=ReviewReason.DISAGREEMENT,
                    disagreement=disagreement,
                    inserted_at=now,
                )
            )
    # A record already pending (a concurrent scan) keeps its one review.
    return len(Review.objects.bulk_create(reviews, ignore_conflicts=True))


def _never_reviewed(records: Any) -> Any:
    return records.filter(status=RecordStatus.COMPLETED).exclude(Exists(Review.objects.filter(record=OuterRef("pk"))))


def reviews_on_completion(
    *, dataset: Dataset, record_ids: Sequence[UUID], questions: Sequence[Question] | None = None
) -> int:
    """Queue those of `record_ids` that are now completed, were never reviewed, and whose
    answers are disputed. Call in the transaction that completed them; returns how many
    were queued."""
    if not record_ids:
        return 0
    if questions is not None and not any(kind_of(question.type).disputes for question in questions):
        return 0
    ids = list(_never_reviewed(Record.objects.filter(dataset=dataset, id__in=record_ids)).values_list("id", flat=True))
    if not ids:
        return 0
    questions = list(dataset.questions.all()) if questions is None else questions
    return _queue_disputed(dataset, questions, ids)


def reviews_scan(*, dataset: Dataset) -> int:
    """Queue every completed, never reviewed record of the dataset whose answers are
    disputed (in chunks, so memory stays flat); returns how many were queued."""
    questions = list(dataset.questions.all())
    if not any(kind_of(question.type).disputes for question in questions):
        return 0
    queued, last = 0, None
    while True:
        records = _never_reviewed(Record.objects.filter(dataset=dataset)).order_by("id")
        if last is not None:
            records = records.filter(id__gt=last)
        ids = list(records.values_list("id", flat=True)[:SCAN_CHUNK])
        if not ids:
            return queued
        with transaction.atomic():
            queued += _queue_disputed(dataset, questions, ids)
        last = ids[-1]


@transaction.atomic
def review_open(*, record: Record, sent_by: Any = None) -> Review:
    """Put a record in the review queue: sent by an admin (`sent_by`), or for its
    disagreement. Idempotent: a record already pending keeps its one review."""
    pending = Review.objects.filter(record=record, state=ReviewState.PENDING).first()
    if pending is not None:
        return pending
    questions = list(Question.objects.filter(dataset_id=record.dataset_id))
    disagreement = disagreements(questions, _submitted_values([record.pk]).get(record.pk, []))
    review, _ = Review.objects.get_or_create(
        record=record,
        state=ReviewState.PENDING,
        defaults={
            "dataset_id": record.dataset_id,
            "reason": ReviewReason.SENT if sent_by is not None else ReviewReason.DISAGREEMENT,
            "sent_by": sent_by,
            "disagreement": disagreement,
        },
    )
    return review


@transaction.atomic
def review_settle(*, review: Review, reviewer: Any, values: Mapping[str, Any] | None, note: str = "") -> Review:
    """Settle a pending review: the final answers (validated as a submitted response is:
    every required question answered, every value valid for its question), the note, the
    reviewer and the time, all at once or nothing. A settled review is a conflict."""
    review = Review.objects.select_for_update(of=("self",)).select_related("record").get(pk=review.pk)
    if review.state != ReviewState.PENDING:
        raise Conflict("this review is already settled")
    problems: list[Problem] = []
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        problems.append(Problem(("note",), f"must be text of at most {NOTE_MAX} characters"))
    elif problem := text_problem(note):
        problems.append(Problem(("note",), problem))
    try:
        cleaned = clean_response_values(
            list(Question.objects.filter(dataset_id=review.dataset_id)),
            values,
            submitted=True,
            record_fields=review.record.fields,
        )
    except InvalidData as error:
        problems = [*error.problems, *problems]
    if problems:
        raise InvalidData(problems)
    review.values, review.note, review.reviewer = cleaned, note, reviewer
    review.state, review.settled_at = ReviewState.SETTLED, timezone.now()
    review.save(update_fields=["values", "note", "reviewer", "state", "settled_at", "updated_at"])
    return review
