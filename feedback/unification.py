"""How several labelers' answers to one record are unified into one answer.

The one definition of every strategy: metrics, every export layout (and later review
and the leaderboard) call these functions rather than count votes themselves.

* one label (`label_selection`), `majority`: the label chosen most often (a plurality
  over the responses that answered); an exact tie at the top gives no unified answer;
* several labels (`multi_label_selection`), `majority`: each option that more than half
  of the record's responses chose (a response that left the question unanswered chose
  none, so 2 of 4 is not enough);
* labels of either type, `any`: each option at least one response chose;
* rating, `mean` or `median` (the median of an even count is the mean of the two middle
  values);
* ranking, `mean_rank`: options ordered by their mean rank over the rankings that rank
  them; equal means tie. `majority` (pairwise): a beats b when more rankings put a above
  b than b above a; equal votes decide nothing;
* `per_labeler`: no unification, every response stands on its own (one row each).

How far a record's answers to one question disagree, in [0, 1] (0: all the same), is
measured here too (each question type picks its measure in the registry,
`QuestionKind.disagreement`): a record whose disagreement reaches the question's
`review_threshold` (default `DEFAULT_REVIEW_THRESHOLD`) is disputed and goes to review.

* `plurality_disagreement`: 1 - the share of the most chosen answer (one label);
* `mean_pairwise_distance`: the mean distance over every pair of answers (several labels
  under the Jaccard distance, rankings under the Kendall tau distance);
* `spread`: the range of the answers over the range of the scale (ratings).

This module holds rules only: it imports nothing from the app.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, groupby
from statistics import fmean, median
from typing import Any

MAJORITY, ANY = "majority", "any"
MEAN, MEDIAN = "mean", "median"
MEAN_RANK = "mean_rank"
PER_LABELER = "per_labeler"
# Exports: a record's settled review stands for its answers; other records fall back on
# a named strategy (`fallback`).
REVIEWED = "reviewed"

# The strategies answers of each shape can be unified by; the first is the exports'
# default. Each question type names its own in the registry (`feedback.questions`).
# `per_labeler` (no unification) is a layout's choice, not a type's.
LABEL_STRATEGIES = (MAJORITY, ANY)
RATING_STRATEGIES = (MEAN, MEDIAN)
RANKING_STRATEGIES = (MEAN_RANK, MAJORITY)

# A record is disputed when a question's disagreement reaches this (unless the
# question's `review_threshold` says otherwise): e.g. two labelers choosing two labels.
DEFAULT_REVIEW_THRESHOLD = 0.5

Ranking = Mapping[str, float]  # {option: rank}, 1 = best
Pair = tuple[str, str]  # (better, worse)


@dataclass(frozen=True)
class Unified:
    """A record's unified answer: `value`, or no value when the answers at the top `tie`
    (or when there were no answers at all: neither a value nor a tie)."""

    value: Any = None
    tie: bool = False


@dataclass(frozen=True)
class UnifiedRanking:
    """Rankings unified by mean rank: each option's mean rank over the rankings that rank it."""

    mean_ranks: dict[str, float]

    @property
    def tiers(self) -> list[list[str]]:
        """The options best first, those with equal mean ranks together (a tie)."""
        ordered = sorted(self.mean_ranks, key=lambda option: (self.mean_ranks[option], option))
        return [list(tier) for _, tier in groupby(ordered, key=self.mean_ranks.__getitem__)]

    @property
    def first(self) -> Unified:
        """The one best option, or a tie when several share the best mean rank."""
        tiers = self.tiers
        if not tiers:
            return Unified()
        return Unified(tiers[0][0]) if len(tiers[0]) == 1 else Unified(tie=True)


def unify_label(answers: Iterable[Hashable]) -> Unified:
    """One-label answers by `majority`: the most chosen label, a tie when several are."""
    top = Counter(answers).most_common(2)
    if not top:
        return Unified()
    if len(top) == 2 and top[0][1] == top[1][1]:
        return Unified(tie=True)
    return Unified(top[0][0])


def unify_labels(answers: Iterable[Iterable[Hashable]], *, responses: int, strategy: str = MAJORITY) -> set[Any]:
    """Several-label answers: the options that more than half of the record's
    `responses` (answered or not) chose (`majority`), or that any one chose (`any`)."""
    check_strategy(strategy, LABEL_STRATEGIES, "label")
    votes = Counter(label for answer in answers for label in set(answer))
    if strategy == ANY:
        return set(votes)
    return {label for label, count in votes.items() if count * 2 > responses}


def unify_rating(ratings: Sequence[float], strategy: str = MEAN) -> float:
    """Ratings by their `mean` or their `median` (between two middle values, their mean)."""
    check_strategy(strategy, RATING_STRATEGIES, "rating")
    if not ratings:
        raise ValueError("no ratings to unify")
    return float(median(ratings)) if strategy == MEDIAN else fmean(ratings)


def unify_ranking(rankings: Iterable[Ranking]) -> UnifiedRanking:
    """Rankings by `mean_rank`: each option's mean over the rankings that rank it (a
    partial ranking counts only for the options it ranks)."""
    sums: dict[str, float] = {}
    counts: Counter[str] = Counter()
    for ranking in rankings:
        for option, rank in ranking.items():
            sums[option] = sums.get(option, 0.0) + rank
            counts[option] += 1
    # Plain arithmetic: `statistics.fmean` per option was a tenth of a preference export's time.
    return UnifiedRanking({option: sums[option] / counts[option] for option in sorted(sums)})


def ranking_majority(rankings: Sequence[Ranking]) -> list[Pair]:
    """Rankings by pairwise `majority`: each (a, b) that more rankings put a above b
    than b above a; options only count where a ranking ranks both, equal votes decide
    nothing. A cycle (a > b > c > a) keeps all its pairs."""
    options = sorted({option for ranking in rankings for option in ranking})
    decided = []
    for a, b in combinations(options, 2):
        a_over_b = sum(1 for r in rankings if a in r and b in r and r[a] < r[b])
        b_over_a = sum(1 for r in rankings if a in r and b in r and r[b] < r[a])
        if a_over_b != b_over_a:
            decided.append((a, b) if a_over_b > b_over_a else (b, a))
    return decided


def check_strategy(strategy: str, allowed: Sequence[str], kind: str) -> None:
    """Refuse a strategy that is not among `allowed` for this `kind` of answer."""
    if strategy not in allowed:
        raise ValueError(f"unknown {kind} unification {strategy!r}; use one of {tuple(allowed)}")


# Disagreement -----------------------------------------------------------------------


def plurality_disagreement(answers: Sequence[Hashable]) -> float | None:
    """1 - the share of the answers that chose the most chosen one: `[a, a, b, c]` gives
    0.5; None with fewer than two answers (nothing to disagree with)."""
    if len(answers) < 2:
        return None
    return 1.0 - Counter(answers).most_common(1)[0][1] / len(answers)


def mean_pairwise_distance(answers: Sequence[Any], distance: Callable[[Any, Any], float]) -> float | None:
    """The mean `distance` over every pair of answers; None with fewer than two."""
    pairs = list(combinations(answers, 2))
    if not pairs:
        return None
    return sum(distance(a, b) for a, b in pairs) / len(pairs)


def spread(values: Sequence[float], *, low: float, high: float) -> float | None:
    """The answers' range over the scale's (`[2, 4]` on 1..5 gives 0.5); None with fewer
    than two answers or a scale of one point."""
    if len(values) < 2 or high <= low:
        return None
    return (max(values) - min(values)) / (high - low)


def disputed(disagreement: float | None, threshold: float) -> bool:
    """Whether answers that disagree this much go to review: at or above `threshold`."""
    return disagreement is not None and disagreement >= threshold
