"""The question-type registry: per type, the rules for its settings and for an answer.

One vocabulary everywhere (the Argilla v1 wire format): the API, the labeler forms,
the importers and the admin all validate through this module. Every function here is
pure (no database access) so that it can be property-tested.

Settings are stored without their `type` key (the type is the question's column);
`clean_settings` accepts the wire shape with or without it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from feedback.errors import InvalidData, Loc, Problem
from feedback.storable import json_problems, text_problem

RATING_MIN_VALUE, RATING_MAX_VALUE = 0, 10
RATING_OPTIONS = (2, 11)
LABEL_OPTIONS = (2, 500)
RANKING_OPTIONS = (2, 50)
SPAN_OPTIONS = (1, 500)
MIN_VISIBLE_OPTIONS = 3
OPTION_VALUE_MAX, OPTION_TEXT_MAX, OPTION_DESCRIPTION_MAX = 200, 500, 1000


class QuestionLike(Protocol):
    """What validation needs of a question (the `Question` model has all of it)."""

    name: str
    type: str
    required: bool
    settings: dict[str, Any]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _bool_setting(raw: Mapping[str, Any], key: str, default: bool, problems: list[Problem]) -> bool:
    value = raw.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        problems.append(Problem((key,), "must be true or false"))
        return default
    return value


def _clean_text_options(raw: Any, bounds: tuple[int, int], problems: list[Problem]) -> list[dict[str, Any]]:
    """Options of label, multi-label, ranking and span questions: `{value, text, description?}`."""
    low, high = bounds
    if not isinstance(raw, list):
        problems.append(Problem(("options",), "must be a list of options"))
        return []
    if not low <= len(raw) <= high:
        problems.append(Problem(("options",), f"must have between {low} and {high} options, got {len(raw)}"))
    options: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, option in enumerate(raw):
        loc: Loc = ("options", index)
        if not isinstance(option, dict):
            problems.append(Problem(loc, "must be an object with 'value' and 'text'"))
            continue
        value, text = option.get("value"), option.get("text")
        description = option.get("description")
        if not isinstance(value, str) or not 1 <= len(value) <= OPTION_VALUE_MAX:
            problems.append(Problem((*loc, "value"), f"must be a string of 1 to {OPTION_VALUE_MAX} characters"))
            continue
        if text is None:
            text = value
        if not isinstance(text, str) or not 1 <= len(text) <= OPTION_TEXT_MAX:
            problems.append(Problem((*loc, "text"), f"must be a string of 1 to {OPTION_TEXT_MAX} characters"))
            continue
        if description is not None and (not isinstance(description, str) or len(description) > OPTION_DESCRIPTION_MAX):
            problems.append(
                Problem((*loc, "description"), f"must be a string of at most {OPTION_DESCRIPTION_MAX} characters")
            )
            continue
        if value in seen:
            problems.append(Problem((*loc, "value"), f"option {value!r} appears more than once"))
            continue
        seen.add(value)
        options.append({"value": value, "text": text, "description": description or None})
    return options


def _clean_visible_options(raw: Mapping[str, Any], option_count: int, problems: list[Problem]) -> int | None:
    visible = raw.get("visible_options")
    if visible is None:
        return None
    if not _is_int(visible) or visible < MIN_VISIBLE_OPTIONS:
        problems.append(Problem(("visible_options",), f"must be an integer of at least {MIN_VISIBLE_OPTIONS}"))
        return None
    if visible > option_count:
        problems.append(Problem(("visible_options",), f"must not exceed the number of options ({option_count})"))
    return visible


class QuestionKind:
    """Base of the per-type rules. Subclasses fill in settings and value checks."""

    type: str = ""

    def clean_settings(self, raw: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
        raise NotImplementedError  # every registered kind overrides it

    def clean_value(
        self, value: Any, settings: Mapping[str, Any], *, partial: bool, record_fields: Mapping[str, Any]
    ) -> Any:
        """The normalised value, or InvalidData with locations relative to the value."""
        raise NotImplementedError  # every registered kind overrides it

    def is_blank(self, value: Any) -> bool:
        """Whether a cleaned value leaves a required question unanswered."""
        return False

    def option_values(self, settings: Mapping[str, Any]) -> list[Any]:
        return [option["value"] for option in settings.get("options", [])]

    def used_options(self, value: Any) -> set[Any]:
        """The options an answer uses (to forbid removing them from the settings)."""
        return set()


class TextKind(QuestionKind):
    type = "text"

    def clean_settings(self, raw: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
        return {"use_markdown": _bool_setting(raw, "use_markdown", False, problems)}

    def clean_value(self, value, settings, *, partial, record_fields):  # type: ignore[no-untyped-def]
        if not isinstance(value, str):
            raise InvalidData.at((), f"must be text, got {_short(value)}")
        problem = text_problem(value)
        if problem:
            raise InvalidData.at((), problem)
        return value

    def is_blank(self, value: Any) -> bool:
        return not value.strip()


class RatingKind(QuestionKind):
    type = "rating"

    def clean_settings(self, raw: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
        options = raw.get("options")
        low, high = RATING_OPTIONS
        if not isinstance(options, list):
            problems.append(Problem(("options",), "must be a list of {value} options"))
            return {"options": []}
        if not low <= len(options) <= high:
            problems.append(Problem(("options",), f"must have between {low} and {high} options, got {len(options)}"))
        cleaned: list[dict[str, int]] = []
        seen: set[int] = set()
        for index, option in enumerate(options):
            value = option.get("value") if isinstance(option, dict) else None
            if not _is_int(value) or not RATING_MIN_VALUE <= value <= RATING_MAX_VALUE:
                problems.append(
                    Problem(
                        ("options", index, "value"),
                        f"must be an integer from {RATING_MIN_VALUE} to {RATING_MAX_VALUE}",
                    )
                )
                continue
            if value in seen:
                problems.append(Problem(("options", index, "value"), f"rating {value} appears more than once"))
                continue
            seen.add(value)
            cleaned.append({"value": value})
        return {"options": cleaned}

    def clean_value(self, value, settings, *, partial, record_fields):  # type: ignore[no-untyped-def]
        allowed = self.option_values(settings)
        if not _is_int(value) or value not in allowed:
            raise InvalidData.at((), f"{_short(value)} is not one of the ratings {allowed}")
        return value

    def used_options(self, value: Any) -> set[Any]:
        return {value}


class LabelSelectionKind(QuestionKind):
    type = "label_selection"

    def clean_settings(self, raw: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
        options = _clean_text_options(raw.get("options"), LABEL_OPTIONS, problems)
        return {"options": options, "visible_options": _clean_visible_options(raw, len(options), problems)}

    def clean_value(self, value, settings, *, partial, record_fields):  # type: ignore[no-untyped-def]
        allowed = self.option_values(settings)
        if not isinstance(value, str) or value not in allowed:
            raise InvalidData.at((), f"{_short(value)} is not one of the labels {allowed}")
        return value

    def used_options(self, value: Any) -> set[Any]:
        return {value}


class MultiLabelSelectionKind(LabelSelectionKind):
    type = "multi_label_selection"

    def clean_settings(self, raw: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
        settings = super().clean_settings(raw, problems)
        order = raw.get("options_order") or "natural"
        if order not in ("natural", "suggestion"):
            problems.append(Problem(("options_order",), "must be 'natural' or 'suggestion'"))
        settings["options_order"] = order
        return settings

    def clean_value(self, value, settings, *, partial, record_fields):  # type: ignore[no-untyped-def]
        allowed = self.option_values(settings)
        if not isinstance(value, list):
            raise InvalidData.at((), f"must be a list of labels, got {_short(value)}")
        if not value:
            raise InvalidData.at((), "must choose at least one label")
        problems = [
            Problem((index,), f"{_short(label)} is not one of the labels {allowed}")
            for index, label in enumerate(value)
            if not isinstance(label, str) or label not in allowed
        ]
        if problems:
            raise InvalidData(problems)
        if len(set(value)) != len(value):
            raise InvalidData.at((), "each label may be chosen only once")
        return list(value)

    def used_options(self, value: Any) -> set[Any]:
        return set(value)


class RankingKind(QuestionKind):
    type = "ranking"

    def clean_settings(self, raw: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
        options = _clean_text_options(raw.get("options"), RANKING_OPTIONS, problems)
        # Feedloop's own setting: Argilla's wire format always allows ties.
        return {"options": options, "allow_ties": _bool_setting(raw, "allow_ties", True, problems)}

    def clean_value(self, value, settings, *, partial, record_fields):  # type: ignore[no-untyped-def]
        allowed = self.option_values(settings)
        count = len(allowed)
        if not isinstance(value, list):
            raise InvalidData.at((), "must be a list of {value, rank} items, best first")
        problems: list[Problem] = []
        items: list[tuple[str, int | None]] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict) or "value" not in item:
                problems.append(Problem((index,), "must be an object with 'value' and an optional 'rank'"))
                continue
            option, rank = item["value"], item.get("rank")
            if not isinstance(option, str) or option not in allowed:
                problems.append(Problem((index, "value"), f"{_short(option)} is not one of the options {allowed}"))
                continue
            if rank is not None and (not _is_int(rank) or not 1 <= rank <= count):
                problems.append(Problem((index, "rank"), f"rank must be an integer from 1 to {count}"))
                continue
            items.append((option, rank))
        if problems:
            raise InvalidData(problems)
        ranked = [rank is not None for _, rank in items]
        if any(ranked) and not all(ranked):
            raise InvalidData.at((), "give a rank to every option or to none (then list order is the rank)")
        if not any(ranked):
            # SDK 2.8 sends rankings without ranks: the list order is the ranking, best first.
            items = [(option, position + 1) for position, (option, _) in enumerate(items)]
        options_given = [option for option, _ in items]
        duplicates = sorted({option for option in options_given if options_given.count(option) > 1})
        if duplicates:
            raise InvalidData.at((), f"each option must be ranked once; repeated: {duplicates}")
        missing = [option for option in allowed if option not in options_given]
        if missing and not partial:
            raise InvalidData.at((), f"every option must be ranked; missing: {missing}")
        ranks = [rank for _, rank in items]
        if not settings.get("allow_ties", True) and len(set(ranks)) != len(ranks):
            raise InvalidData.at((), "this question does not allow ties: give each option its own rank")
        # Stored best first, so that list order and rank agree for every reader.
        return [{"value": option, "rank": rank} for option, rank in sorted(items, key=lambda item: item[1])]

    def used_options(self, value: Any) -> set[Any]:
        return {item["value"] for item in value}


class SpanKind(QuestionKind):
    type = "span"

    def clean_settings(self, raw: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
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
) -> dict[str, dict[str, Any]]:
    """Validate a response's `{question: {"value": …}}` and return it normalised.

    A submitted response answers every required question; a draft or a discarded
    response may be partial. Every problem is reported, each located at its question.
    """
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
                "value": clean_value(question, answer["value"], partial=not submitted, record_fields=record_fields)
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
