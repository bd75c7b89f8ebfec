"""How far one record's answers to one question disagree, per type, worked out by hand;
and the `review_threshold` question setting that decides which records are disputed."""

from __future__ import annotations

import pytest

from feedback.errors import InvalidData
from feedback.questions import clean_settings, kind_of, review_threshold
from feedback.unification import DEFAULT_REVIEW_THRESHOLD, disputed

RATING = {"options": [{"value": v} for v in range(1, 6)]}
LABELS = {"options": [{"value": v, "text": v} for v in ("a", "b", "c")]}
RANKING = LABELS


def ranking(*order: str, ranks: tuple[int, ...] | None = None) -> list[dict]:
    return [{"value": o, "rank": r} for o, r in zip(order, ranks or range(1, len(order) + 1), strict=True)]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["a", "a", "b", "c"], 0.5),  # the plurality a holds 2 of 4
        (["a", "b"], 0.5),
        (["a", "a", "a", "b"], 0.25),
        (["a", "a", "a"], 0.0),
        (["a"], None),  # nothing to disagree with
        ([], None),
    ],
)
def test_one_label_is_one_minus_the_plurality_share(answers, expected):
    assert kind_of("label_selection").disagreement(answers, LABELS) == expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([["a"], ["a", "b"]], 0.5),  # share 1 of 2 labels
        ([["a"], ["b"], ["a", "b"]], (1 + 0.5 + 0.5) / 3),
        ([["a", "b"], ["b", "a"]], 0.0),  # order does not matter
        ([["a"], ["b"]], 1.0),
        ([["a"]], None),
    ],
)
def test_several_labels_are_the_mean_pairwise_jaccard_distance(answers, expected):
    assert kind_of("multi_label_selection").disagreement(answers, LABELS) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([2, 4], 0.5),  # range 2 over the scale's 4
        ([4, 5], 0.25),
        ([1, 5, 3], 1.0),
        ([3, 3, 3], 0.0),
        ([3], None),
    ],
)
def test_ratings_are_their_spread_over_the_scale(answers, expected):
    assert kind_of("rating").disagreement(answers, RATING) == expected


def test_ratings_on_a_scale_that_does_not_start_at_one():
    scale = {"options": [{"value": v} for v in (0, 2, 4, 6, 8, 10)]}
    assert kind_of("rating").disagreement([0, 5], scale) == 0.5


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # a>b>c against c>b>a: all three option pairs flipped.
        ([ranking("a", "b", "c"), ranking("c", "b", "a")], 1.0),
        # a>b>c against b>a>c: only (a, b) flipped, 1 pair of 3.
        ([ranking("a", "b", "c"), ranking("b", "a", "c")], 1 / 3),
        # the three: 1, 1/3 and c>b>a against b>a>c (2 of 3 pairs): mean 2/3.
        ([ranking("a", "b", "c"), ranking("c", "b", "a"), ranking("b", "a", "c")], 2 / 3),
        # a tie on one side counts half: (a, b) tied against a above b.
        ([ranking("a", "b", "c"), ranking("a", "b", "c", ranks=(1, 1, 3))], 1 / 6),
        ([ranking("a", "b", "c")], None),
    ],
)
def test_rankings_are_the_mean_pairwise_kendall_tau_distance(answers, expected):
    assert kind_of("ranking").disagreement(answers, RANKING) == pytest.approx(expected)


@pytest.mark.parametrize("question_type", ["text", "span"])
def test_written_answers_and_spans_are_never_disputed(question_type):
    assert kind_of(question_type).disagreement(["one", "another"], {}) is None


def test_a_record_is_disputed_at_or_above_the_threshold():
    assert DEFAULT_REVIEW_THRESHOLD == 0.5
    assert disputed(0.5, 0.5) and disputed(1.0, 0.5)
    assert not disputed(0.49, 0.5) and not disputed(None, 0.5)


class Question:
    def __init__(self, settings):
        self.settings = settings


def test_the_review_threshold_is_a_question_setting_with_a_default():
    assert "review_threshold" not in clean_settings("rating", RATING)
    assert review_threshold(Question(clean_settings("rating", RATING))) == 0.5
    settings = clean_settings("rating", {**RATING, "review_threshold": 0.25})
    assert settings["review_threshold"] == 0.25
    assert review_threshold(Question(settings)) == 0.25


@pytest.mark.parametrize(
    ("question_type", "question_settings", "message"),
    [
        ("rating", {**RATING, "review_threshold": 0}, "must be a number above 0 and at most 1"),
        ("rating", {**RATING, "review_threshold": 1.5}, "must be a number above 0 and at most 1"),
        ("label_selection", {**LABELS, "review_threshold": True}, "must be a number above 0 and at most 1"),
        ("text", {"review_threshold": 0.5}, "this question type has no disagreement to review"),
    ],
)
def test_a_bad_review_threshold_is_refused_where_it_is(question_type, question_settings, message):
    with pytest.raises(InvalidData) as error:
        clean_settings(question_type, question_settings)
    assert [(p.loc, p.msg) for p in error.value.problems] == [(("settings", "review_threshold"), message)]


@pytest.mark.parametrize(
    ("question_type", "question_settings", "answers", "expected"),
    [
        ("label_selection", LABELS, ["a", "b", "b"], "b"),
        ("label_selection", LABELS, ["a", "b"], None),  # a tie: nothing to start from
        ("multi_label_selection", LABELS, [["b", "a"], ["a"], ["c"]], ["a"]),
        ("rating", RATING, [2, 5], 3),  # median 3.5: 3 and 4 are as near, the lower wins
        ("rating", RATING, [2, 4, 5], 4),
        ("ranking", RANKING, [ranking("b", "a", "c"), ranking("a", "b", "c")], ranking("a", "b", "c")),
        ("text", {}, ["x", "y"], None),
    ],
)
def test_the_unified_answer_starts_the_reviewers_form(question_type, question_settings, answers, expected):
    assert kind_of(question_type).unified_answer(answers, question_settings) == expected
