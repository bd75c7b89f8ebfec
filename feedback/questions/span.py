"""`span`: labelled `{label, start, end}` stretches of one text field of the record."""

from __future__ import annotations

import itertools
import json
from typing import Any

from feedback.errors import InvalidData, Problem
from feedback.questions.base import (
    OPTION_ROWS,
    SPAN_OPTIONS,
    FormData,
    QuestionKind,
    QuestionLike,
    _bool_setting,
    _clean_text_options,
    _clean_visible_options,
    _is_int,
    _short,
)


class SpanKind(QuestionKind):
    type = "span"
    settings_inputs = (OPTION_ROWS,)
    agreements = ()  # spans would need aligning first
    unification = ()
    number_keys = ""
    marks_field = True

    def clean_settings(self, raw, problems):  # type: ignore[no-untyped-def]
        field = raw.get("field")
        if not isinstance(field, str) or not field:
            problems.append(Problem(("field",), "must name the text field the spans are marked in"))
        options = _clean_text_options(raw.get("options"), SPAN_OPTIONS, problems)
        return {
            "field": field,
            "options": options,
            "visible_options": _clean_visible_options(raw, len(options), problems),
            "allow_overlapping": _bool_setting(raw, "allow_overlapping", False, problems),
        }

    def clean_value(self, value, settings, *, partial, record_fields):  # type: ignore[no-untyped-def]
        field = settings["field"]
        text = record_fields.get(field)
        if not isinstance(text, str):
            raise InvalidData.at((), f"the record has no text in field {field!r} to mark spans in")
        if not isinstance(value, list):
            raise InvalidData.at((), "must be a list of {label, start, end} spans")
        allowed = self.option_values(settings)
        problems: list[Problem] = []
        spans: list[dict[str, Any]] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                problems.append(Problem((index,), "must be an object with 'label', 'start' and 'end'"))
                continue
            label, start, end = item.get("label"), item.get("start"), item.get("end")
            if not isinstance(label, str) or label not in allowed:
                problems.append(Problem((index, "label"), f"{_short(label)} is not one of the labels {allowed}"))
            elif not _is_int(start) or not _is_int(end) or not 0 <= start < end <= len(text):
                problems.append(
                    Problem(
                        (index,),
                        f"start and end must be integers with 0 <= start < end <= {len(text)} "
                        f"(the length of field {field!r})",
                    )
                )
            else:
                spans.append({"label": label, "start": start, "end": end})
        if problems:
            raise InvalidData(problems)
        if not settings.get("allow_overlapping", False):
            ordered = sorted(range(len(spans)), key=lambda i: (spans[i]["start"], spans[i]["end"]))
            for before, after in itertools.pairwise(ordered):
                if spans[after]["start"] < spans[before]["end"]:
                    raise InvalidData.at((after,), f"overlaps span {before}; this question does not allow overlaps")
        return spans

    def used_options(self, value: Any) -> set[Any]:
        return {span["label"] for span in value}

    # The form: a JSON textarea `<question>` (the page script fills it from text selections).

    def read_form(self, question: QuestionLike, post: FormData) -> tuple[Any, list[str]]:
        raw = post.get(question.name, "").strip()
        if not raw or raw == "[]":
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return None, ["the marked spans could not be read"]

    def form_view(
        self, question: QuestionLike, value: Any, *, record: Any, post: FormData | None, shown: list[dict[str, Any]]
    ) -> dict[str, Any]:
        text = record.fields.get(question.settings.get("field", ""))
        return {
            "raw": post.get(question.name, "") if post is not None else json.dumps(value or []),
            "span_text": text if isinstance(text, str) else "",
        }

    def display(self, question: QuestionLike, value: Any) -> str:
        return ", ".join(f"{span['label']} [{span['start']}-{span['end']}]" for span in value) or "no spans"

    def value_from_cell(self, text: str) -> Any:
        return self._json_cell(text)

    def disagreement(self, answers, settings):  # type: ignore[no-untyped-def]
        return None  # spans would need aligning first: never disputed automatically

    def gold_match(self, answer: Any, expected: Any) -> bool | None:
        return None  # spans need alignment (a boundary a character off is not wrong): not graded
