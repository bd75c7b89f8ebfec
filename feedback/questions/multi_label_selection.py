"""`multi_label_selection`: a non-empty set of labels out of the options."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from feedback.agreement import JACCARD, NOMINAL, RECORD, RECORD_OPTION, Measure, jaccard_distance
from feedback.errors import InvalidData, Problem
from feedback.questions.base import FormData, QuestionLike, _short
from feedback.questions.label_selection import LabelSelectionKind
from feedback.unification import Unified, mean_pairwise_distance, unify_labels


class MultiLabelTally:
    """How many records each label is unified into (chosen by more than half)."""

    def __init__(self, options: Sequence[Any]) -> None:
        self.options, self.counts = list(options), Counter()

    def add(self, answers: list[Any], *, responses: int, count: int = 1) -> None:
        for option in unify_labels([set(answer) for answer in answers], responses=responses):
            self.counts[option] += count

    def report(self) -> dict[str, Any]:
        counts = {str(option): self.counts[option] for option in self.options}
        return {"strategy": "majority per label", "distribution": counts}


class MultiLabelSelectionKind(LabelSelectionKind):
    type = "multi_label_selection"
    chooses_one = False
    # Label by label, nominal alpha over "chosen or not" for each (record, label); and over
    # each record, alpha under the Jaccard distance between the chosen sets.
    agreements = (Measure(NOMINAL, RECORD_OPTION), Measure(JACCARD, RECORD))

    def clean_settings(self, raw, problems):  # type: ignore[no-untyped-def]
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

    def read_form(self, question: QuestionLike, post: FormData) -> tuple[Any, list[str]]:
        return post.getlist(question.name) or None, []

    def value_from_cell(self, text: str) -> Any:
        # One label needs no JSON; several come as a JSON list.
        return self._json_cell(text) if text.lstrip().startswith("[") else [text]

    def gold_match(self, answer: Any, expected: Any) -> bool | None:
        return set(answer) == set(expected)  # the same set of labels, in any order

    def agreement_units(self, answers, options, unit):  # type: ignore[no-untyped-def]
        chosen = [frozenset(answer) for answer in answers]
        if unit == RECORD:
            return [chosen]
        return [[option in labels for labels in chosen] for option in options]

    def tally(self, options):  # type: ignore[no-untyped-def]
        return MultiLabelTally(options)

    def disagreement(self, answers, settings):  # type: ignore[no-untyped-def]
        # The mean Jaccard distance over every pair of label sets: {a} and {a, b} give 0.5.
        return mean_pairwise_distance([frozenset(answer) for answer in answers], jaccard_distance)

    def unified_answer(self, answers, settings):  # type: ignore[no-untyped-def]
        chosen = unify_labels(answers, responses=len(answers))
        return [value for value in self.option_values(settings) if value in chosen] or None

    def labels(self, answers: Sequence[Any], *, responses: int, strategy: str) -> Unified:
        return Unified(frozenset(unify_labels(answers, responses=responses, strategy=strategy)))
