"""How the admin shows values to people: time spent, a record's text, answers in words."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.html import format_html, format_html_join

from feedback import questions as question_rules
from feedback.rendering import snippet


def duration(seconds: float | None) -> str:
    """Time spent as people say it: "45 s", "3 min 10 s", "1 h 5 min" (whole seconds)."""
    if seconds is None:
        return "—"
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        minutes, rest = divmod(total, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(total, 3600)
    minutes = rest // 60
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def excerpt(text: str, width: int) -> str:
    """`text` on one line, cut on a word with an ellipsis to at most `width` characters:
    the labeler pages' rule (`rendering.snippet`)."""
    return snippet(text, width)


def field_text(value: Any) -> str:
    """A record field's value as text: a chat as "role: content" lines."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(
            f"{item.get('role', '')}: {item.get('content', '')}" if isinstance(item, dict) else str(item)
            for item in value
        )
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def record_text(fields: Mapping[str, Any], field_names: Iterable[str]) -> str:
    """A record's text: its first non-empty field, in the dataset's field order."""
    for name in field_names:
        text = field_text(fields.get(name))
        if text.strip():
            return text
    return ""


def answers(values: Mapping[str, Any], questions: Iterable[Any], *, width: int | None = None) -> str:
    """A response's answers in words (each question's title and its answer as the
    registry's `display` reads it), in the dataset's question order; with `width`, each
    answer cut to that many characters."""
    shown = []
    for question in questions:
        answer = values.get(question.name)
        if not isinstance(answer, Mapping) or answer.get("value") is None:
            continue
        text = question_rules.kind_of(question.type).display(question, answer["value"])
        shown.append((question.title or question.name, excerpt(text, width) if width else text))
    if not shown:
        return "—"
    return format_html(
        '<ul class="answers">{}</ul>',
        format_html_join("", '<li><span class="question">{}:</span> {}</li>', shown),
    )
