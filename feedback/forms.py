"""The labeler's record form: its inputs (named as API.md §2 fixes them) to response values.

Inputs per question type: text `<q>` (textarea); rating and label `<q>` (radio);
multi-label `<q>` (checkboxes); ranking `<q>.<option>` (the rank, 1 = best); span `<q>`
(JSON list of {label, start, end}). Values are checked by `questions.py` through the
services; this module only reads the form and prepares what the template shows.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from feedback.errors import Problem
from feedback.models import Question, Record, Response

ACTIONS = ("submit", "draft", "discard")


def ranking_order(question: Question, *, record: Record, user: Any, shuffle: bool) -> list[dict[str, Any]]:
    """The ranking's options in the order shown to this labeler for this record.

    Shuffled against position bias, the same way every time for one labeler and record.
    """
    options = list(question.settings.get("options", []))
    if shuffle:
        random.Random(f"{user.pk}:{record.pk}:{question.name}").shuffle(options)  # noqa: S311 - not security
    return options


def values_from_post(questions: list[Question], post: QueryDict) -> tuple[dict[str, Any], list[Problem]]:
    """Read the answers from the form; unparseable inputs become problems at their question."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for question in questions:
        name = question.name
        if question.type == "text":
            text = post.get(name, "")
            if text.strip():
                values[name] = {"value": text.replace("\r\n", "\n")}
        elif question.type == "rating":
            raw = post.get(name, "").strip()
            if raw:
                try:
                    values[name] = {"value": int(raw)}
                except ValueError:
                    problems.append(Problem((name,), f"{raw!r} is not a rating"))
        elif question.type == "label_selection":
            raw = post.get(name, "")
            if raw:
                values[name] = {"value": raw}
        elif question.type == "multi_label_selection":
            chosen = post.getlist(name)
            if chosen:
                values[name] = {"value": chosen}
        elif question.type == "ranking":
            ranked = []
            for option in question.settings.get("options", []):
                raw = post.get(f"{name}.{option['value']}", "").strip()
                if not raw:
                    continue
                try:
                    ranked.append({"value": option["value"], "rank": int(raw)})
                except ValueError:
                    problems.append(Problem((name,), f"the rank of {option['text']!r} must be a number"))
            if ranked:
                values[name] = {"value": ranked}
        elif question.type == "span":
            raw = post.get(name, "").strip()
            if raw and raw != "[]":
                try:
                    values[name] = {"value": json.loads(raw)}
                except ValueError:
                    problems.append(Problem((name,), "the marked spans could not be read"))
    return values, problems


@dataclass
class QuestionView:
    """One question as the template shows it."""

    question: Question
    value: Any = None
    suggested: bool = False
    options: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ranks: dict[str, int] = field(default_factory=dict)
    raw: str = ""
    span_text: str = ""

    @property
    def rank_choices(self) -> range:
        return range(1, len(self.options) + 1)

    @property
    def chosen(self) -> list[Any]:
        if isinstance(self.value, list):
            return self.value
        return [] if self.value is None else [self.value]


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
        view = QuestionView(question=question)
        if posted is not None:
            view.value = posted.get(question.name, {}).get("value")
        elif question.name in saved:
            view.value = saved[question.name]["value"]
        elif question.name in suggestions:
            view.value, view.suggested = suggestions[question.name], True
        if question.type == "ranking":
            view.options = ranking_order(question, record=record, user=user, shuffle=shuffle)
            if isinstance(view.value, list):
                view.ranks = {
                    item["value"]: item.get("rank") or position for position, item in enumerate(view.value, 1)
                }
            if post is not None:
                view.ranks = {
                    option["value"]: post.get(f"{question.name}.{option['value']}", "") for option in view.options
                }
        else:
            view.options = list(question.settings.get("options", []))
        if question.type == "span":
            view.raw = post.get(question.name, "") if post is not None else json.dumps(view.value or [])
            text = record.fields.get(question.settings.get("field", ""))
            view.span_text = text if isinstance(text, str) else ""
        view.errors = [problem.msg for problem in problems or [] if problem.loc[:1] == (question.name,)]
        views.append(view)
    return views
