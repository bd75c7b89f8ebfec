"""Dataset metrics: inter-annotator agreement and the distribution of unified answers.

Agreement is Krippendorff's alpha, computed from a coincidence matrix that is filled
one unit (a record, or a record's option for rankings and multi-label questions) at a
time, so memory holds the matrix (values x values), never the dataset:

    alpha = 1 - (n - 1) * sum(o_ck * d(c, k)) / sum(n_c * n_k * d(c, k))

with o_ck the coincidences of values c and k within units (each pair of a unit with m
values weighs 1 / (m - 1)), n_c their margins, n the pairable values, and d the
metric's squared difference: nominal (0 if equal, else 1) or interval ((c - k)^2).
Units with fewer than two values are not pairable and count for nothing. Alpha is 1
for perfect agreement, 0 for agreement at chance, below 0 for systematic disagreement;
it is undefined (None) when there are no pairable values or no variation at all.

Per question type (each type's module in `feedback.questions` gives its level, its
units and its tally of unified answers):
* `rating`: interval alpha over the ratings of each record;
* `label_selection`: nominal alpha over the chosen label of each record;
* `multi_label_selection`: nominal alpha over "chosen or not" for each (record, label);
* `ranking`: interval alpha over the rank given to each (record, option);
* `text` and `span`: no agreement (free text, or spans needing alignment).

Unified answers (one per record, over its submitted responses) are those of
`feedback.unification`, the exports' own: the median rating, the majority label (a tie
has none, counted under "(tie)"), each label chosen by more than half of the record's
responses, and the option with the best mean rank (a tie when several share it).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from feedback.questions import kind_of
from feedback.questions.base import INTERVAL, NOMINAL, TIE, Tally

__all__ = ["INTERVAL", "NOMINAL", "TIE", "Agreement", "QuestionMetrics"]


@dataclass
class Agreement:
    """Krippendorff's alpha, accumulated unit by unit."""

    level: str
    coincidences: defaultdict[tuple[Hashable, Hashable], float] = field(default_factory=lambda: defaultdict(float))
    units: int = 0

    def add_unit(self, values: Sequence[Hashable]) -> None:
        m = len(values)
        if m < 2:
            return
        self.units += 1
        counts = Counter(values)
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_c - 1) if c == k else n_c * n_k
                if pairs:
                    self.coincidences[(c, k)] += pairs / (m - 1)

    def _distance(self, c: Any, k: Any) -> float:
        if self.level == NOMINAL:
            return 0.0 if c == k else 1.0
        return float(c - k) ** 2

    @property
    def pairable_values(self) -> int:
        return round(sum(self.coincidences.values()))

    def alpha(self) -> float | None:
        margins: defaultdict[Hashable, float] = defaultdict(float)
        for (c, _), count in self.coincidences.items():
            margins[c] += count
        n = sum(margins.values())
        if n <= 1:
            return None
        observed = sum(count * self._distance(c, k) for (c, k), count in self.coincidences.items())
        expected = sum(n_c * n_k * self._distance(c, k) for c, n_c in margins.items() for k, n_k in margins.items())
        if expected == 0:
            return None  # every value the same: agreement is not measurable
        return 1.0 - (n - 1) * observed / expected

    def report(self) -> dict[str, Any]:
        alpha = self.alpha()
        return {
            "metric": "krippendorff_alpha",
            "level": self.level,
            "value": None if alpha is None else round(alpha, 4),
            "units": self.units,
            "pairable_values": self.pairable_values,
        }


@dataclass
class QuestionMetrics:
    """One question's agreement and unified answers, fed one record (the submitted
    answers to it) at a time."""

    name: str
    type: str
    options: list[Any]  # the option values of labels, multi-labels and rankings
    agreement: Agreement | None = None
    tally: Tally | None = None
    answered_records: int = 0

    def __post_init__(self) -> None:
        kind = kind_of(self.type)
        if kind.agreement_level is not None:
            self.agreement = Agreement(kind.agreement_level)
        self.tally = kind.tally(self.options)

    def add_record(self, answers: list[Any], *, responses: int) -> None:
        """One record's answers to this question, out of its `responses` (some may have
        left an optional question unanswered)."""
        if not answers:
            return
        self.answered_records += 1
        if self.agreement is not None:
            for unit in kind_of(self.type).agreement_units(answers, self.options):
                self.agreement.add_unit(unit)
        if self.tally is not None:
            self.tally.add(answers, responses=responses)

    def report(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "answered_records": self.answered_records,
            "agreement": self.agreement.report() if self.agreement else None,
            "unified": self.tally.report() if self.tally else None,
        }
