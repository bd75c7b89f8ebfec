"""Gold checks: how well each labeler answers the gold records, who is flagged, who is paused.

A gold record carries its expected answers (`Record.gold`, in a response's `values`
shape). Each submitted response to a gold record is graded by the question-type registry
(`questions.grade_gold`: every graded expected answer matched; text and span answers
are not graded). Per labeler, over their graded gold answers:

* `accuracy` = correct / graded (None before the first graded answer);
* `flagged`: at least `dataset.gold_min_answers` graded and accuracy below
  `dataset.gold_threshold`;
* `paused`: the dataset pauses flagged labelers (`gold_pause_flagged`) and the
  labeler is flagged by the gold answers submitted since an admin last lifted their
  pause (`GoldPauseLift`), so a lift gives a fresh start: the labeler works again until
  `gold_min_answers` new graded answers flag them again.

Which records are gold and when the queue hands them out is the distribution rules'
business (`feedback.distribution`); this module only reads answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from django.db.models import F, OuterRef, Q, Subquery

from feedback.models import Dataset, GoldPauseLift, Response, ResponseStatus
from feedback.questions import QuestionLike, grade_gold


@dataclass(frozen=True)
class LabelerGold:
    """One labeler's standing on a dataset's gold records."""

    user_id: UUID
    username: str
    graded: int  # submitted answers to gold records that were graded
    correct: int
    accuracy: float | None  # correct / graded, rounded to 4 places; None when nothing is graded
    flagged: bool
    paused: bool


@dataclass(frozen=True)
class GoldReport:
    """A dataset's gold settings, how many gold records it has, and every labeler who
    answered one (by username). `as_dict()` is the metrics endpoint's `gold` key."""

    gold_records: int
    rate: float
    threshold: float
    min_answers: int
    pause_flagged: bool
    labelers: list[LabelerGold]

    def as_dict(self) -> dict[str, Any]:
        report = asdict(self)
        for labeler in report["labelers"]:
            labeler["user_id"] = str(labeler["user_id"])
        return report


class _Tally:
    def __init__(self) -> None:
        self.graded = self.correct = 0

    def add(self, correct: bool) -> None:
        self.graded += 1
        self.correct += int(correct)

    def accuracy(self) -> float | None:
        return round(self.correct / self.graded, 4) if self.graded else None

    def flagged(self, dataset: Dataset) -> bool:
        accuracy = self.accuracy()
        return self.graded >= dataset.gold_min_answers and accuracy is not None and accuracy < dataset.gold_threshold


def _gold_answers(dataset: Dataset) -> Any:
    return Response.objects.filter(
        record__dataset=dataset, record__gold__isnull=False, status=ResponseStatus.SUBMITTED
    ).order_by()


def _lifted_at() -> Subquery:
    """The answer's labeler's last pause lift on its dataset (null: never lifted)."""
    lifts = GoldPauseLift.objects.filter(dataset=OuterRef("record__dataset"), user=OuterRef("user"))
    return Subquery(lifts.values("lifted_at")[:1])


def gold_report(
    dataset: Dataset, *, questions: Sequence[QuestionLike] | None = None, gold_records: int | None = None
) -> GoldReport:
    """Every labeler's gold standing on `dataset`, by username: one query (two more
    unless the caller has the dataset's questions and its number of gold records)."""
    if questions is None:
        questions = list(dataset.questions.all())
    if gold_records is None:
        gold_records = dataset.records.filter(gold__isnull=False).count()
    overall: dict[Any, _Tally] = {}
    since_lift: dict[Any, _Tally] = {}
    names: dict[Any, str] = {}
    rows = (
        _gold_answers(dataset)
        .annotate(lifted_at=_lifted_at())
        .values_list("user_id", "user__username", "submitted_at", "lifted_at", "values", "record__gold")
    )
    for user_id, username, submitted_at, lifted_at, values, expected in rows.iterator(chunk_size=2000):
        correct = grade_gold(questions, values or {}, expected or {})
        if correct is None:
            continue
        names[user_id] = username
        overall.setdefault(user_id, _Tally()).add(correct)
        if lifted_at is None or (submitted_at is not None and submitted_at > lifted_at):
            since_lift.setdefault(user_id, _Tally()).add(correct)
    labelers = [
        LabelerGold(
            user_id=user_id,
            username=names[user_id],
            graded=tally.graded,
            correct=tally.correct,
            accuracy=tally.accuracy(),
            flagged=tally.flagged(dataset),
            paused=dataset.gold_pause_flagged and since_lift.get(user_id, _Tally()).flagged(dataset),
        )
        for user_id, tally in sorted(overall.items(), key=lambda item: names[item[0]])
    ]
    return GoldReport(
        gold_records=gold_records,
        rate=dataset.gold_rate,
        threshold=dataset.gold_threshold,
        min_answers=dataset.gold_min_answers,
        pause_flagged=dataset.gold_pause_flagged,
        labelers=labelers,
    )


def is_paused(dataset: Dataset, user: Any) -> bool:
    """Whether the queue holds back `user`'s records on `dataset` for review of their
    gold answers. No query unless the dataset pauses flagged labelers."""
    if not dataset.gold_pause_flagged:
        return False
    answers = _gold_answers(dataset).filter(user=user).annotate(lifted_at=_lifted_at())
    since_lift = answers.filter(Q(lifted_at__isnull=True) | Q(submitted_at__gt=F("lifted_at")))
    rows = list(since_lift.values_list("values", "record__gold"))
    if len(rows) < dataset.gold_min_answers:
        return False  # too few to flag, graded or not: no need to read the questions
    questions = list(dataset.questions.all())
    tally = _Tally()
    for values, expected in rows:
        correct = grade_gold(questions, values or {}, expected or {})
        if correct is not None:
            tally.add(correct)
    return tally.flagged(dataset)
