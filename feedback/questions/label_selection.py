"""`label_selection`: one label out of the options."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from feedback.agreement import NOMINAL, RECORD, Measure
from feedback.errors import InvalidData
from feedback.questions.base import (
    CHOOSE,
    LABEL_OPTIONS,
    OPTION_ROWS,
    FormData,
    QuestionKind,
    QuestionLike,
    _clean_text_options,
    _clean_visible_options,
    _count,
    _ordered,
    _short,
)
from feedback.unification import ANY, LABEL_STRATEGIES, Unified, check_strategy, plurality_disagreement, unify_label


class LabelTally:
    """The majority label of each record (a tie has none)."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()

    def add(self, answers: list[Any], *, responses: int, count: int = 1) -> None:
        _count(self.counts, unify_label(answers), count)

    def report(self) -> dict[str, Any]:
        return {"strategy": "majority", "distribution": _ordered(self.counts)}


class LabelSelectionKind(QuestionKind):
    type = "label_selection"
    settings_inputs = (OPTION_ROWS,)
    # Nominal alpha over the label each labeler chose for a record.
    agreements = (Measure(NOMINAL, RECORD),)
    unification = LABEL_STRATEGIES
    number_keys = CHOOSE
    chooses_labels = True
    chooses_one = True
    disputes = True

    def clean_settings(self, raw, problems):  # type: ignore[no-untyped-def]
        options = _clean_text_options(raw.get("options"), LABEL_OPTIONS, problems)
        return {"options": options, "visible_options": _clean_visible_options(raw, len(options), problems)}

    def clean_value(self, value, settings, *, partial, record_fields):  # type: ignore[no-untyped-def]
        allowed = self.option_values(settings)
        if not isinstance(value, str) or value not in allowed:
            raise InvalidData.at((), f"{_short(value)} is not one of the labels {allowed}")
        return value

    def used_options(self, value: Any) -> set[Any]:
        return {value}

    def read_form(self, question: QuestionLike, post: FormData) -> tuple[Any, list[str]]:
        return post.get(question.name, "") or None, []

    def value_from_cell(self, text: str) -> Any:
        return text

    def gold_match(self, answer: Any, expected: Any) -> bool | None:
        return answer == expected

    def agreement_units(self, answers, options, unit):  # type: ignore[no-untyped-def]
        return [answers]

    def tally(self, options):  # type: ignore[no-untyped-def]
        return LabelTally()

    def disagreement(self, answers, settings):  # type: ignore[no-untyped-def]
        # 1 - the share of the most chosen label: [a, a, b, c] gives 0.5.
        return plurality_disagreement(answers)

    def unified_answer(self, answers, settings):  # type: ignore[no-untyped-def]
        return unify_label(answers).value

    def labels(self, answers: Sequence[Any], *, responses: int, strategy: str) -> Unified:
        check_strategy(strategy, self.unification, "label")
        if strategy == ANY:
            return Unified(frozenset(answers))
        top = unify_label(answers)
        return top if top.tie else Unified(frozenset() if top.value is None else frozenset([top.value]))
