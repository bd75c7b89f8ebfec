"""Every unification strategy against answers worked out by hand: ties, even counts,
medians between two values, unanswered optional questions."""

from __future__ import annotations

import pytest

from feedback.questions import labels_for
from feedback.unification import (
    Unified,
    UnifiedRanking,
    ranking_majority,
    unify_label,
    unify_labels,
    unify_ranking,
    unify_rating,
)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # A plurality is enough: 2 of 4 is not more than half, but no other label has 2.
        (["a", "a", "b", "c"], Unified("a")),
        (["c", "c", "c", "a"], Unified("c")),
        (["b"], Unified("b")),
        # An exact tie at the top: no unified answer.
        (["a", "b", "a", "b"], Unified(tie=True)),
        (["a", "b"], Unified(tie=True)),
        (["a", "a", "b", "b", "c"], Unified(tie=True)),
        # A tie below the top does not matter.
        (["a", "a", "a", "b", "c"], Unified("a")),
        ([], Unified()),
    ],
)
def test_one_label_by_plurality(answers, expected):
    assert unify_label(answers) == expected


@pytest.mark.parametrize(
    ("answers", "responses", "expected"),
    [
        # x: 2 of 4 (not more than half); y: 3 of 4.
        ([["x", "y"], ["x", "y"], ["y"], ["z"]], 4, {"y"}),
        # 2 of 3 is more than half.
        ([["x"], ["x", "z"], ["z", "y"]], 3, {"x", "z"}),
        # Two answered, two left the optional question unanswered: 2 of 4 responses.
        ([["x"], ["x"]], 4, set()),
        ([["x"], ["x"]], 3, {"x"}),
        ([], 4, set()),
    ],
)
def test_several_labels_by_more_than_half_of_the_responses(answers, responses, expected):
    assert unify_labels(answers, responses=responses) == expected


def test_several_labels_by_any_labeler():
    assert unify_labels([["x"], ["y", "x"]], responses=5, strategy="any") == {"x", "y"}
    with pytest.raises(ValueError, match="unknown label unification 'most'"):
        unify_labels([["x"]], responses=1, strategy="most")


@pytest.mark.parametrize(
    ("ratings", "strategy", "expected"),
    [
        ([1, 5, 5], "mean", 11 / 3),
        ([1, 5, 5], "median", 5.0),
        # An even count: the median lies between the two middle values, at their mean.
        ([2, 2, 5, 5], "median", 3.5),
        ([1, 1, 2, 5], "median", 1.5),
        ([1, 2, 4, 5], "median", 3.0),
        ([1, 2, 4, 5], "mean", 3.0),
        ([4], "median", 4.0),
    ],
)
def test_ratings_by_mean_or_median(ratings, strategy, expected):
    assert unify_rating(ratings, strategy) == pytest.approx(expected)


def test_a_bad_rating_strategy_or_no_ratings_is_refused():
    with pytest.raises(ValueError, match="unknown rating unification 'mode'"):
        unify_rating([1, 2], "mode")
    with pytest.raises(ValueError, match="no ratings"):
        unify_rating([], "mean")


def test_rankings_by_mean_rank_with_ties():
    unified = unify_ranking([{"a": 1, "b": 2, "c": 3}, {"b": 1, "a": 2, "c": 3}, {"c": 1, "a": 2, "b": 3}])
    # a = 5/3, b = 2, c = 7/3.
    assert unified.mean_ranks == pytest.approx({"a": 5 / 3, "b": 2.0, "c": 7 / 3})
    assert unified.tiers == [["a"], ["b"], ["c"]] and unified.first == Unified("a")
    # Equal means tie: a = b = 1.5, c = 3.
    tied = unify_ranking([{"a": 1, "b": 2, "c": 3}, {"b": 1, "a": 2, "c": 3}])
    assert tied.tiers == [["a", "b"], ["c"]] and tied.first == Unified(tie=True)
    assert unify_ranking([{"a": 2, "b": 2}]).tiers == [["a", "b"]]
    assert unify_ranking([]) == UnifiedRanking({}) and unify_ranking([]).first == Unified()


def test_a_partial_ranking_counts_only_for_the_options_it_ranks():
    assert unify_ranking([{"a": 1, "b": 2, "c": 3}, {"b": 1, "a": 2}]).mean_ranks == {"a": 1.5, "b": 1.5, "c": 3.0}


def test_rankings_by_pairwise_majority():
    # a > b 2-1, a > c 3-0, b > c 2-1.
    assert ranking_majority([{"a": 1, "b": 2, "c": 3}, {"a": 1, "c": 2, "b": 3}, {"b": 1, "a": 2, "c": 3}]) == [
        ("a", "b"),
        ("a", "c"),
        ("b", "c"),
    ]
    # a vs b 1-1 decides nothing; a tie within a ranking is no vote.
    assert ranking_majority([{"a": 1, "b": 2}, {"b": 1, "a": 2}, {"a": 1, "b": 1}]) == []
    # A cycle keeps every pair.
    cycle = [{"a": 1, "b": 2, "c": 3}, {"b": 1, "c": 2, "a": 3}, {"c": 1, "a": 2, "b": 3}]
    assert ranking_majority(cycle) == [("a", "b"), ("c", "a"), ("b", "c")]


@pytest.mark.parametrize(
    ("question_type", "answers", "responses", "strategy", "expected"),
    [
        ("label_selection", ["a", "a", "b", "c"], 4, "majority", Unified(frozenset({"a"}))),
        ("label_selection", ["a", "b"], 4, "majority", Unified(tie=True)),
        ("label_selection", ["a", "b"], 2, "any", Unified(frozenset({"a", "b"}))),
        ("label_selection", [], 2, "majority", Unified(frozenset())),
        ("multi_label_selection", [["x"], ["x", "y"]], 4, "majority", Unified(frozenset())),
        ("multi_label_selection", [["x"], ["x", "y"]], 2, "majority", Unified(frozenset({"x"}))),
        ("multi_label_selection", [["x"], ["x", "y"]], 4, "any", Unified(frozenset({"x", "y"}))),
    ],
)
def test_the_labels_that_count_for_a_record_by_question_type(question_type, answers, responses, strategy, expected):
    assert labels_for(question_type, answers, responses=responses, strategy=strategy) == expected
