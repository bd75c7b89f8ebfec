"""The question-type registry: the one extension point for question types.

One module per type in this package (`text`, `rating`, `label_selection`,
`multi_label_selection`, `ranking`, `span`), each a `QuestionKind` (see `base`) that
gives every per-type rule: settings, answers, the labeler form's input and its
template, CSV cells, agreement, unification, and the capabilities exports ask about.
Everything else asks the registry (`kind_of(question.type)`) rather than comparing
type names. To add a type: write its module, register it in `KINDS`, write its
template `templates/feedback/questions/<type>.html`, and test it.

One vocabulary everywhere (the Argilla v1 wire format): the API, the labeler forms,
the importers and the admin all validate through this package. Every function here is
pure (no database access) so that it can be property-tested.

Settings are stored without their `type` key (the type is the question's column);
`clean_settings` accepts the wire shape with or without it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from feedback.errors import InvalidData, Problem
from feedback.questions.base import (
    OPTION_ROWS,
    SCALE,
    USE_MARKDOWN,
    QuestionKind,
    QuestionLike,
    _is_number,
    _option_titles,
    _short,
    clean_review_threshold,
)
from feedback.questions.label_selection import LabelSelectionKind
from feedback.questions.multi_label_selection import MultiLabelSelectionKind
from feedback.questions.ranking import RankingKind
from feedback.questions.rating import RatingKind
from feedback.questions.span import SpanKind
from feedback.questions.text import TextKind
from feedback.storable import json_problems
from feedback.unification import DEFAULT_REVIEW_THRESHOLD, MAJORITY, Unified

__all__ = [
    "KINDS",
    "OPTION_ROWS",
    "SCALE",
    "USE_MARKDOWN",
    "QuestionKind",
    "QuestionLike",
    "clean_gold",
    "clean_response_values",
    "clean_score",
    "clean_settings",
    "clean_value",
    "grade_gold",
    "kind_of",
    "labels_for",
    "review_threshold",
]

KINDS: dict[str, QuestionKind] = {
    kind.type: kind
    for kind in (
        TextKind(),
        RatingKind(),
        LabelSelectionKind(),
        MultiLabelSelectionKind(),
        RankingKind(),
        SpanKind(),
    )
}


def option_titles(question: QuestionLike) -> dict[Any, Any]:
    """Each option's title as labelers see it (its text, else its value), by value."""
    return _option_titles(question)


def kind_of(question_type: str) -> QuestionKind:
    try:
        return KINDS[question_type]
    except KeyError:
        raise InvalidData.at(("type",), f"unknown question type {question_type!r}; use one of {list(KINDS)}") from None


def clean_settings(question_type: str, raw: Any) -> dict[str, Any]:
    """Validate a question's settings (wire shape, `type` optional) and return them normalised."""
    kind = kind_of(question_type)
    if not isinstance(raw, Mapping):
        raise InvalidData.at(("settings",), "must be an object")
    if raw.get("type", question_type) != question_type:
        raise InvalidData.at(("settings", "type"), f"is {raw.get('type')!r} but the question is {question_type!r}")
    problems = json_problems(dict(raw), ("settings",))
    if problems:
        raise InvalidData(problems)
    problems = []
    settings = kind.clean_settings(raw, problems)
    settings.update(clean_review_threshold(raw, kind.disputes, problems))
    if problems:
        raise InvalidData(problems).prefixed("settings")
    return settings


def clean_value(question: QuestionLike, value: Any, *, partial: bool, record_fields: Mapping[str, Any]) -> Any:
    """Validate one answer to `question`; errors are located at (question name, "value", …)."""
    try:
        return KINDS[question.type].clean_value(value, question.settings, partial=partial, record_fields=record_fields)
    except InvalidData as error:
        raise error.prefixed(question.name, "value") from None


def clean_response_values(
    questions: Sequence[QuestionLike],
    values: Any,
    *,
    submitted: bool,
    record_fields: Mapping[str, Any],
    partial: bool | None = None,
) -> dict[str, dict[str, Any]]:
    """Validate a response's `{question: {"value": …}}` and return it normalised.

    A submitted response answers every required question; a draft or a discarded
    response may be partial (its answers too, unless `partial` is False: each answer
    whole, as gold expects). Every problem is reported, each located at its question.
    """
    if partial is None:
        partial = not submitted
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        raise InvalidData.at((), 'values must be an object: {"<question>": {"value": ...}}')
    by_name = {question.name: question for question in questions}
    problems: list[Problem] = []
    cleaned: dict[str, dict[str, Any]] = {}
    for name, answer in values.items():
        question = by_name.get(name)
        if question is None:
            problems.append(Problem((name,), f"no question named {_short(name)} in this dataset"))
            continue
        if not isinstance(answer, Mapping) or "value" not in answer:
            problems.append(Problem((name,), 'must be an object {"value": ...}'))
            continue
        if answer["value"] is None:
            continue  # an explicit null is no answer
        try:
            cleaned[name] = {
                "value": clean_value(question, answer["value"], partial=partial, record_fields=record_fields)
            }
        except InvalidData as error:
            problems += error.problems
    if submitted:
        already_reported = {problem.loc[0] for problem in problems if problem.loc}
        for question in questions:
            if not question.required or question.name in already_reported:
                continue
            if question.name not in cleaned:
                problems.append(Problem((question.name,), "this question is required; answer it to submit"))
            elif KINDS[question.type].is_blank(cleaned[question.name]["value"]):
                problems.append(Problem((question.name, "value"), "this question is required; the answer is empty"))
    if problems:
        raise InvalidData(problems)
    return cleaned


def _graded(question: QuestionLike, expected: Any) -> bool:
    """Whether answers to `question` are graded against gold (`gold_match` is None for
    a type that is not, whatever the answers: an expected answer against itself tells)."""
    return KINDS[question.type].gold_match(expected, expected) is not None


def clean_gold(
    questions: Sequence[QuestionLike], values: Any, *, record_fields: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Validate a gold record's expected answers: a response's `values`, each answer
    whole (a ranking ranks every option), checked exactly as a response's answers are;
    questions may be left out, but at least one answer must be graded."""
    cleaned = clean_response_values(questions, values, submitted=False, partial=False, record_fields=record_fields)
    by_name = {question.name: question for question in questions}
    if not any(_graded(by_name[name], answer["value"]) for name, answer in cleaned.items()):
        raise InvalidData.at(
            (),
            "give the expected answer to at least one question that is graded "
            "(label, multi-label, rating or ranking; text and span answers are not graded)",
        )
    return cleaned


def grade_gold(
    questions: Sequence[QuestionLike], values: Mapping[str, Any], expected: Mapping[str, Any]
) -> bool | None:
    """Whether a submitted response's `values` match a gold record's `expected` answers:
    every graded expected answer matched (an unanswered question does not match). None
    when no expected answer is graded, e.g. the questions were removed since."""
    by_name = {question.name: question for question in questions}
    graded = False
    for name, answer in expected.items():
        question = by_name.get(name)
        if question is None or not _graded(question, answer["value"]):
            continue
        graded = True
        given = (values.get(name) or {}).get("value")
        if given is None or not KINDS[question.type].gold_match(given, answer["value"]):
            return False
    return True if graded else None


def clean_score(value: Any, score: Any) -> Any:
    """A suggestion score: a number in [0, 1] or null; for a list value one number per item."""

    def check(number: Any) -> bool:
        return _is_number(number) and 0 <= number <= 1

    if score is None:
        return None
    if isinstance(value, list):
        if not isinstance(score, list):
            raise InvalidData.at(("score",), "the value is a list: give a list of scores, one per item, or null")
        if len(score) != len(value):
            raise InvalidData.at(("score",), f"has {len(score)} scores for {len(value)} items")
        bad = [index for index, number in enumerate(score) if not check(number)]
        if bad:
            raise InvalidData.at(("score", bad[0]), "must be a number from 0 to 1")
        return list(score)
    if isinstance(score, list):
        raise InvalidData.at(("score",), "a single value takes a single score, not a list")
    if not check(score):
        raise InvalidData.at(("score",), "must be a number from 0 to 1")
    return score


def review_threshold(question: QuestionLike) -> float:
    """The disagreement at which a question's answers go to review."""
    return float(question.settings.get("review_threshold") or DEFAULT_REVIEW_THRESHOLD)


def labels_for(question_type: str, answers: Sequence[Any], *, responses: int, strategy: str = MAJORITY) -> Unified:
    """The labels that count for a record, as a frozenset in `value`, whichever the
    label question's type; a tie of one-label answers under `majority` has none."""
    return kind_of(question_type).labels(answers, responses=responses, strategy=strategy)
