"""Dataset metrics: inter-annotator agreement and the distribution of unified answers.

Agreement is Krippendorff's alpha (`feedback.agreement`: the distances and the
accumulators), fed one unit (a record, or a record's option or label) at a time, so
memory holds coincidence margins and pools, never the dataset. Each question type's
module in `feedback.questions` names its measures (`agreements`: a distance and what a
unit is), gives its units and its tally of unified answers:
* `rating`: interval and ordinal alpha over the ratings of each record;
* `label_selection`: nominal alpha over the chosen label of each record;
* `multi_label_selection`: nominal alpha over "chosen or not" for each (record, label),
  and Jaccard alpha over the set each labeler chose for a record;
* `ranking`: interval alpha over the rank given to each (record, option), and Kendall
  tau alpha over each labeler's whole ranking of a record;
* `text` and `span`: no agreement (free text, or spans needing alignment).
The first measure is the report's `agreement` (as it has always been); `agreements`
holds every one.

Unified answers (one per record, over its submitted responses) are those of
`feedback.unification`, the exports' own: the median rating, the majority label (a tie
has none, counted under "(tie)"), each label chosen by more than half of the record's
responses, and the option with the best mean rank (a tie when several share it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from feedback.agreement import INTERVAL, NOMINAL, ORDINAL, Agreement, Alpha, Measure, alpha_for, measure_report
from feedback.questions import kind_of
from feedback.questions.base import TIE, Tally

__all__ = ["INTERVAL", "NOMINAL", "ORDINAL", "TIE", "Agreement", "QuestionMetrics"]


@dataclass
class QuestionMetrics:
    """One question's agreement and unified answers, fed one record (the submitted
    answers to it) at a time."""

    name: str
    type: str
    options: list[Any]  # the option values of labels, multi-labels and rankings
    agreements: list[tuple[Measure, Alpha]] = field(default_factory=list)
    tally: Tally | None = None
    answered_records: int = 0

    def __post_init__(self) -> None:
        kind = kind_of(self.type)
        self.agreements = [(measure, alpha_for(measure.level)) for measure in kind.agreements]
        self.tally = kind.tally(self.options)

    def add_record(self, answers: list[Any], *, responses: int, count: int = 1) -> None:
        """One record's answers to this question, out of its `responses` (some may have
        left an optional question unanswered); or `count` records with the same ones."""
        if not answers:
            return
        self.answered_records += count
        kind = kind_of(self.type)
        units_of: dict[str, list[Any]] = {}  # measures over the same units share them
        for measure, accumulator in self.agreements:
            if measure.unit not in units_of:
                units_of[measure.unit] = list(kind.agreement_units(answers, self.options, measure.unit))
            for unit in units_of[measure.unit]:
                accumulator.add_unit(unit, count)
        if self.tally is not None:
            self.tally.add(answers, responses=responses, count=count)

    def report(self) -> dict[str, Any]:
        agreements = [measure_report(measure, accumulator) for measure, accumulator in self.agreements]
        return {
            "name": self.name,
            "type": self.type,
            "answered_records": self.answered_records,
            "agreement": agreements[0] if agreements else None,
            "agreements": agreements,
            "unified": self.tally.report() if self.tally else None,
        }
