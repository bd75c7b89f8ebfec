"""Preference pairs checked against pairs computed by hand, ties and several labelers included."""

from __future__ import annotations

import pytest

from feedback.exports.preference import pairs_from_ranking, preference_pairs, ranking_from_value, ranking_from_vote

ONE = {"A": 1, "B": 2, "C": 3}
TIE_AT_TOP = {"A": 1, "B": 1, "C": 3}


@pytest.mark.parametrize(
    ("ranking", "mode", "expected"),
    [
        (ONE, "all_pairs", [("A", "B"), ("A", "C"), ("B", "C")]),
        (ONE, "best_vs_each", [("A", "B"), ("A", "C")]),
        (ONE, "best_vs_worst", [("A", "C")]),
        (TIE_AT_TOP, "all_pairs", [("A", "C"), ("B", "C")]),
        (TIE_AT_TOP, "best_vs_each", [("A", "C"), ("B", "C")]),
        (TIE_AT_TOP, "best_vs_worst", [("A", "C"), ("B", "C")]),
        ({"A": 2, "B": 2, "C": 2}, "all_pairs", []),
        ({"A": 1, "B": 2, "C": 2}, "best_vs_worst", [("A", "B"), ("A", "C")]),
    ],
)
def test_pairs_from_one_ranking(ranking, mode, expected):
    assert pairs_from_ranking(ranking, mode) == expected


TWO_LABELERS = [{"A": 1, "B": 2, "C": 3}, {"B": 1, "A": 2, "C": 3}]
THREE_LABELERS = [{"A": 1, "B": 2, "C": 3}, {"A": 1, "C": 2, "B": 3}, {"B": 1, "A": 2, "C": 3}]
CYCLE = [{"A": 1, "B": 2, "C": 3}, {"B": 1, "C": 2, "A": 3}, {"C": 1, "A": 2, "B": 3}]


@pytest.mark.parametrize(
    ("rankings", "unification", "mode", "expected"),
    [
        # Kept per labeler: one row per labeler's pair, disagreements included.
        (
            TWO_LABELERS,
            "per_labeler",
            "all_pairs",
            [("A", "B"), ("A", "C"), ("B", "C"), ("B", "A"), ("B", "C"), ("A", "C")],
        ),
        # Mean ranks A=1.5, B=1.5, C=3: A and B tie.
        (TWO_LABELERS, "mean_rank", "all_pairs", [("A", "C"), ("B", "C")]),
        # Majority: A vs B is 1-1 (no pair); both beat C 2-0.
        (TWO_LABELERS, "majority", "all_pairs", [("A", "C"), ("B", "C")]),
        # Mean ranks A=4/3, B=2, C=8/3.
        (THREE_LABELERS, "mean_rank", "all_pairs", [("A", "B"), ("A", "C"), ("B", "C")]),
        (THREE_LABELERS, "mean_rank", "best_vs_worst", [("A", "C")]),
        # Majority: A>B 2-1, A>C 3-0, B>C 2-1.
        (THREE_LABELERS, "majority", "all_pairs", [("A", "B"), ("A", "C"), ("B", "C")]),
        (THREE_LABELERS, "majority", "best_vs_each", [("A", "B"), ("A", "C")]),
        # A cycle: every pair is decided 2-1, nobody is best; mean ranks all tie at 2.
        (CYCLE, "majority", "all_pairs", [("A", "B"), ("B", "C"), ("C", "A")]),
        (CYCLE, "majority", "best_vs_each", []),
        (CYCLE, "mean_rank", "all_pairs", []),
        ([], "mean_rank", "all_pairs", []),
    ],
)
def test_pairs_from_several_labelers(rankings, unification, mode, expected):
    assert preference_pairs(rankings, unification=unification, mode=mode) == expected


def test_partial_rankings_count_only_where_they_rank():
    # The second labeler left C unranked (a draft would); C's mean rank is the first one's.
    rankings = [{"A": 1, "B": 2, "C": 3}, {"B": 1, "A": 2}]
    assert preference_pairs(rankings, unification="mean_rank", mode="all_pairs") == [("A", "C"), ("B", "C")]


def test_stored_values_read_as_rankings_and_bad_strategies_are_refused():
    stored = [{"value": "response-2", "rank": 1}, {"value": "response-1", "rank": 2}]
    assert ranking_from_value(stored) == {"response-2": 1.0, "response-1": 2.0}
    with pytest.raises(ValueError, match="unknown unification"):
        preference_pairs([ONE], unification="vote", mode="all_pairs")
    with pytest.raises(ValueError, match="unknown pair mode"):
        preference_pairs([ONE], unification="mean_rank", mode="some_pairs")


# Pairwise votes: a label question whose options name the better of two response fields
# ("a" or "b" here), or "tie".
AB = ("a", "b")


def votes(*chosen: str) -> list[dict[str, float]]:
    return [ranking_from_vote(vote, compared=AB, tie_value="tie") for vote in chosen]


def test_a_vote_reads_as_a_ranking_of_the_two_and_anything_else_as_no_vote():
    assert ranking_from_vote("a", compared=AB, tie_value="tie") == {"a": 1.0, "b": 2.0}
    assert ranking_from_vote("b", compared=AB, tie_value="tie") == {"b": 1.0, "a": 2.0}
    assert ranking_from_vote("tie", compared=AB, tie_value="tie") == {"a": 1.0, "b": 1.0}
    assert ranking_from_vote("same", compared=AB, tie_value="same") == {"a": 1.0, "b": 1.0}
    assert ranking_from_vote("both_bad", compared=AB, tie_value="tie") == {}


@pytest.mark.parametrize(
    ("chosen", "unification", "expected"),
    [
        # One pair per labeler who did not choose the tie.
        (("a", "a", "tie"), "per_labeler", [("a", "b"), ("a", "b")]),
        (("a", "b"), "per_labeler", [("a", "b"), ("b", "a")]),
        (("tie", "tie"), "per_labeler", []),
        # Unified, the side with more votes wins; ties abstain.
        (("a", "a", "b"), "majority", [("a", "b")]),
        (("a", "a", "b"), "mean_rank", [("a", "b")]),  # mean ranks a = 4/3, b = 5/3
        (("b", "tie", "tie"), "majority", [("b", "a")]),
        (("b", "tie", "tie"), "mean_rank", [("b", "a")]),  # a = 4/3, b = 1
        # Equal votes are a tie: no pair.
        (("a", "b"), "majority", []),
        (("a", "b", "tie"), "mean_rank", []),  # a = b = 4/3
        (("tie",), "majority", []),
        (("both_bad",), "mean_rank", []),
    ],
)
def test_pairwise_votes_with_ties(chosen, unification, expected):
    assert preference_pairs(votes(*chosen), unification=unification, mode="all_pairs") == expected
