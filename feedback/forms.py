"""The labeler's record form: its inputs (named as docs/labeler-forms.md fixes them) to response values.

Each question type reads its own inputs and names the partial that renders them (the
registry, `feedback.questions`: `read_form`, `template`, `form_view`). Values are
checked by `feedback.questions` through the services; this module only reads the form and
prepares what the template shows.
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from feedback.errors import Problem
from feedback.models import Question, Record, Response
from feedback.questions import KINDS, kind_of

ACTIONS = ("submit", "draft", "discard")


def values_from_post(questions: list[Question], post: QueryDict) -> tuple[dict[str, Any], list[Problem]]:
    """Read the answers from the form; unparseable inputs become problems at their question."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for question in questions:
        value, unreadable = kind_of(question.type).read_form(question, post)
        if value is not None:
            values[question.name] = {"value": value}
        problems += [Problem((question.name,), message) for message in unreadable]
    return values, problems


def answer_context(
    questions: list[Question], post: QueryDict, *, record: Record, user: Any, shuffle: bool
) -> dict[str, Any]:
    """How the answers were given (the response's `context`): every type's keys, always
    present so that a later save replaces them, filled in by each question's type."""
    context = {key: copy.deepcopy(empty) for kind in KINDS.values() for key, empty in kind.context_defaults.items()}
    for question in questions:
        kind = kind_of(question.type)
        shown = kind.shown_options(question, record=record, user=user, shuffle=shuffle)
        kind.note_answer(question, post, shown=shown, context=context)
    return context


@dataclass
class QuestionView:
    """One question as the template shows it."""

    question: Question
    template: str = ""  # the type's partial
    number_keys: str = ""  # what the digit keys do (record.js)
    value: Any = None
    suggested: bool = False
    suggested_by: str = ""  # the suggestion's agent ("gpt-4o")
    suggested_score: str = ""  # and its score as read (`score_text`)
    options: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rank_rows: list[dict[str, Any]] = field(default_factory=list)  # a ranking's rows of rank buttons
    pair: list[dict[str, Any]] = field(default_factory=list)  # a ranking of two: its choices
    raw: str = ""
    span_text: str = ""

    @property
    def chosen(self) -> list[Any]:
        if isinstance(self.value, list):
            return self.value
        return [] if self.value is None else [self.value]


def score_text(score: Any) -> str:
    """A suggestion's score as labelers read it: two decimals; a list of scores (one per
    label) joined; anything else (none, text, objects) nothing."""
    if isinstance(score, bool):
        return ""
    if isinstance(score, (int, float)):
        return f"{score:.2f}"
    numbers = isinstance(score, list) and all(isinstance(s, (int, float)) and not isinstance(s, bool) for s in score)
    if numbers and score:
        return ", ".join(f"{s:.2f}" for s in score)
    return ""


def question_views(
    *,
    questions: list[Question],
    record: Record,
    user: Any,
    shuffle: bool,
    response: Response | None,
    suggestions: dict[str, Any],
    posted: dict[str, Any] | None = None,
    problems: list[Problem] | None = None,
    post: QueryDict | None = None,
) -> list[QuestionView]:
    """What each input shows: what was just posted, else the saved answer, else the suggestion."""
    saved = response.values if response else {}
    views = []
    for question in questions:
        kind = kind_of(question.type)
        view = QuestionView(question=question, template=kind.template, number_keys=kind.number_keys)
        if posted is not None:
            view.value = posted.get(question.name, {}).get("value")
        elif question.name in saved:
            view.value = saved[question.name]["value"]
        elif question.name in suggestions:
            view.value, view.suggested = suggestions[question.name], True
        view.options = kind.shown_options(question, record=record, user=user, shuffle=shuffle)
        shown = kind.form_view(question, view.value, record=record, post=post, shown=view.options)
        for name, attribute in shown.items():
            setattr(view, name, attribute)
        view.errors = [problem.msg for problem in problems or [] if problem.loc[:1] == (question.name,)]
        views.append(view)
    return views


def compared_fields(views: list[QuestionView], field_names: Collection[str]) -> list[dict[str, str]]:
    """The fields the record page shows side by side: those the first question that
    compares fields compares (its type says which, `QuestionKind.compared_fields`), in
    the order its form shows them."""
    for view in views:
        compared = kind_of(view.question.type).compared_fields(view.question, view.options, field_names)
        if compared:
            return compared
    return []
