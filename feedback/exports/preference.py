"""Preference pairs (chosen, rejected) from rankings, for reward models and DPO.

A ranking is `{option: rank}`, 1 = best; equal ranks are a tie and never make a pair.
Several labelers' rankings of one record are either kept apart (`per_labeler`) or
unified first, by the rules of `feedback.unification`:

* `mean_rank`: each option's mean rank over the labelers who ranked it (equal means tie);
* `majority`: option a beats b when more labelers put a above b than b above a
  (a tie in votes makes no pair); options are then ordered by their number of wins.

From one (unified) ranking, pairs are taken as `all_pairs` (every strictly ordered
pair), `best_vs_each` (the best options against every strictly worse one) or
`best_vs_worst` (the best options against the worst ones).

A pairwise vote (a label question whose options name the two compared response fields,
plus a tie option) is read as a ranking of those two: the chosen one first, or both
equal for a tie. The strategies above then apply unchanged: `per_labeler` gives one pair
per labeler who did not choose the tie; `mean_rank` and `majority` both let the side
with more votes win (ties abstain), and equal votes make no pair.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

from feedback.unification import (
    MEAN_RANK,
    PER_LABELER,
    RANKING_STRATEGIES,
    Pair,
    Ranking,
    ranking_majority,
    unify_ranking,
)

PAIR_MODES = ("all_pairs", "best_vs_each", "best_vs_worst")
UNIFICATIONS = (PER_LABELER, *RANKING_STRATEGIES)


def ranking_from_value(value: Sequence[Mapping[str, object]]) -> dict[str, float]:
    """A stored ranking answer (`[{value, rank}, …]`) as `{option: rank}`."""
    return {str(item["value"]): float(item["rank"]) for item in value}  # type: ignore[arg-type]


def ranking_from_vote(vote: object, *, compared: tuple[str, str], tie_value: str) -> dict[str, float]:
    """One labeler's pairwise vote as a ranking of the two compared options.

    Anything else than one of the two options or the tie (an option added later, say)
    is no vote at all: an empty ranking, which makes no pair and counts for nobody.
    """
    first, second = compared
    if vote == tie_value:
        return {first: 1.0, second: 1.0}
    if vote == first:
        return {first: 1.0, second: 2.0}
    if vote == second:
        return {second: 1.0, first: 2.0}
    return {}


def pairs_from_ranking(ranking: Ranking, mode: str) -> list[Pair]:
    """The strictly ordered pairs of one ranking, in a stable order (best first)."""
    if mode not in PAIR_MODES:
        raise ValueError(f"unknown pair mode {mode!r}; use one of {PAIR_MODES}")
    if not ranking:
        return []
    ordered = sorted(ranking, key=lambda option: (ranking[option], option))
    if mode == "all_pairs":
        return [(a, b) for a, b in combinations(ordered, 2) if ranking[a] < ranking[b]]
    best_rank, worst_rank = ranking[ordered[0]], ranking[ordered[-1]]
    best = [option for option in ordered if ranking[option] == best_rank]
    if mode == "best_vs_each":
        return [(a, b) for a in best for b in ordered if ranking[b] > best_rank]
    worst = [option for option in ordered if ranking[option] == worst_rank]
    return [(a, b) for a in best for b in worst if best_rank < worst_rank]


def majority_pairs(rankings: Sequence[Ranking], mode: str) -> list[Pair]:
    """Pairs decided by pairwise majority; best/worst by number of pairwise wins."""
    if mode not in PAIR_MODES:
        raise ValueError(f"unknown pair mode {mode!r}; use one of {PAIR_MODES}")
    options = sorted({option for ranking in rankings for option in ranking})
    beats = ranking_majority(rankings)
    wins = {option: sum(1 for (winner, _) in beats if winner == option) for option in options}
    if mode == "all_pairs":
        # Every pair a majority decided, even in a cycle (a > b > c > a).
        return sorted(beats, key=lambda pair: (-wins[pair[0]], pair))
    # Best and worst by number of pairwise wins (more wins, better rank); a pair is
    # only taken where the majority itself agrees.
    by_wins = {option: -float(wins[option]) for option in options}
    decided = set(beats)
    return [pair for pair in pairs_from_ranking(by_wins, mode) if pair in decided]


def preference_pairs(rankings: Sequence[Ranking], *, unification: str, mode: str) -> list[Pair]:
    """All (chosen, rejected) pairs of one record under the chosen strategy.

    `per_labeler` keeps every labeler's pairs, so the same pair may appear more than once
    (one row per labeler); the unified strategies give each pair at most once.
    """
    if unification not in UNIFICATIONS:
        raise ValueError(f"unknown unification {unification!r}; use one of {UNIFICATIONS}")
    rankings = [ranking for ranking in rankings if ranking]
    if not rankings:
        return []
    if unification == PER_LABELER:
        return [pair for ranking in rankings for pair in pairs_from_ranking(ranking, mode)]
    if unification == MEAN_RANK:
        return pairs_from_ranking(unify_ranking(rankings).mean_ranks, mode)
    return majority_pairs(rankings, mode)
