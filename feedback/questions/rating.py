"""`rating`: one integer option of a scale (0..10), e.g. 1..5."""

from __future__ import annotations

from collections import Counter
from typing import Any

from feedback.agreement import INTERVAL, ORDINAL, RECORD, Measure
from feedback.cells import number_cell
from feedback.errors import InvalidData, Problem
from feedback.questions.base import (
    CHOOSE,
    RATING_MAX_VALUE,
    RATING_MIN_VALUE,
    RATING_OPTIONS,
    SCALE,
    FormData,
    QuestionKind,
    QuestionLike,
    _is_int,
    _number_key,
    _ordered,
    _short,
)
from feedback.unification import MEAN, MEDIAN, RATING_STRATEGIES, spread, unify_rating


class RatingTally:
    """The median rating of each record, and the mean of the records' mean ratings."""

    def __init__(self) -> None:
        self.records, self.rating_sum, self.medians = 0, 0.0, Counter()

    def add(self, answers: list[Any], *, responses: int, count: int = 1) -> None:
        ratings = [float(answer) for answer in answers]
        self.records += count
        self.rating_sum += count * unify_rating(ratings, MEAN)
        self.medians[_number_key(unify_rating(ratings, MEDIAN))] += count

    def report(self) -> dict[str, Any]:
        mean = round(self.rating_sum / self.records, 4) if self.records else None
        return {"strategy": "median", "mean": mean, "distribution": _ordered(self.medians)}


class RatingKind(QuestionKind):
    type = "rating"
    settings_inputs = (SCALE,)
    # Alpha over the ratings of each record: interval (the scale's steps are equal) and
    # ordinal (only their order counts, as when labelers use the scale unevenly).
    agreements = (Measure(INTERVAL, RECORD), Measure(ORDINAL, RECORD))
    unification = RATING_STRATEGIES
    number_keys = CHOOSE
    rates = True
    disputes = True

    def clean_settings(self, raw, problems):  # type: ignore[no-untyped-def]
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

    def read_form(self, question: QuestionLike, post: FormData) -> tuple[Any, list[str]]:
        raw = post.get(question.name, "").strip()
        if not raw:
            return None, []
        try:
            return int(raw), []
        except ValueError:
            return None, [f"{raw!r} is not a rating"]

    def value_from_cell(self, text: str) -> Any:
        return number_cell(text, integer=True)

    def gold_match(self, answer: Any, expected: Any) -> bool | None:
        # Exactly the expected rating: scales are short (often 1 to 5), where one step is
        # a different judgement; gold records are meant to have one clear answer.
        return answer == expected

    def agreement_units(self, answers, options, unit):  # type: ignore[no-untyped-def]
        return [[float(answer) for answer in answers]]

    def tally(self, options):  # type: ignore[no-untyped-def]
        return RatingTally()

    def disagreement(self, answers, settings):  # type: ignore[no-untyped-def]
        # The ratings' range over the scale's: 2 and 4 on 1..5 give 0.5.
        scale = self.option_values(settings)
        return spread([float(answer) for answer in answers], low=min(scale), high=max(scale)) if scale else None

    def unified_answer(self, answers, settings):  # type: ignore[no-untyped-def]
        # The median, as the nearest rating of the scale (the lower of two as near).
        if not answers:
            return None
        middle = unify_rating([float(answer) for answer in answers], MEDIAN)
        return min(self.option_values(settings), key=lambda value: (abs(value - middle), value))
