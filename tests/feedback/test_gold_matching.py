"""Gold grading per question type (pure: no database): which answers match a gold
record's expected answer, and how expected answers are validated."""

from __future__ import annotations

import pytest

from feedback import questions
from feedback.errors import InvalidData
from tests.feedback.test_questions import FIELDS, LABEL, MULTI, RANKING, RATING, SPAN, TEXT, Q


def match(question: Q, answer, expected):
    return questions.kind_of(question.type).gold_match(answer, expected)


def ranked(*options: str, ranks: tuple[int, ...] | None = None) -> list[dict]:
    return [{"value": o, "rank": r} for o, r in zip(options, ranks or range(1, len(options) + 1), strict=True)]


def test_a_label_matches_only_the_same_label():
    assert match(LABEL, "code", "code") is True
    assert match(LABEL, "math", "code") is False


def test_multi_labels_match_as_sets_in_any_order():
    assert match(MULTI, ["b", "a"], ["a", "b"]) is True
    assert match(MULTI, ["a"], ["a", "b"]) is False
    assert match(MULTI, ["a", "b", "c"], ["a", "b"]) is False


def test_a_rating_matches_only_the_same_rating_no_tolerance():
    assert match(RATING, 4, 4) is True
    assert match(RATING, 5, 4) is False
    assert match(RATING, 3, 4) is False


def test_a_ranking_matches_only_the_same_order_ties_included():
    assert match(RANKING, ranked("r2", "r1", "r3"), ranked("r2", "r1", "r3")) is True
    assert match(RANKING, ranked("r1", "r2", "r3"), ranked("r2", "r1", "r3")) is False
    tie = ranked("r1", "r2", "r3", ranks=(1, 1, 2))
    assert match(RANKING, tie, tie) is True
    assert match(RANKING, ranked("r1", "r2", "r3"), tie) is False


@pytest.mark.parametrize("question", [TEXT, SPAN], ids=["text", "span"])
def test_text_and_spans_are_not_graded(question):
    value = "anything" if question is TEXT else [{"label": "name", "start": 0, "end": 3}]
    assert match(question, value, value) is None


def test_a_response_is_correct_when_every_graded_expected_answer_matches():
    expected = {"quality": {"value": 4}, "topic": {"value": "code"}, "answer": {"value": "free text"}}
    qs = [RATING, LABEL, TEXT]

    assert questions.grade_gold(qs, {"quality": {"value": 4}, "topic": {"value": "code"}}, expected) is True
    assert questions.grade_gold(qs, {"quality": {"value": 4}, "topic": {"value": "math"}}, expected) is False
    # Leaving an expected question unanswered is not a match.
    assert questions.grade_gold(qs, {"quality": {"value": 4}}, expected) is False
    # Nothing graded: only a text answer is expected.
    assert questions.grade_gold(qs, {"answer": {"value": "x"}}, {"answer": {"value": "free text"}}) is None


def test_expected_answers_are_validated_as_a_response_is_and_must_be_whole():
    cleaned = questions.clean_gold([RATING, RANKING], {"quality": {"value": 4}}, record_fields=FIELDS)
    assert cleaned == {"quality": {"value": 4}}

    with pytest.raises(InvalidData) as wrong:
        questions.clean_gold([RATING], {"quality": {"value": 9}}, record_fields=FIELDS)
    assert wrong.value.problems[0].loc == ("quality", "value")
    assert "not one of the ratings" in str(wrong.value)

    with pytest.raises(InvalidData) as partial:
        questions.clean_gold([RANKING], {"ranking": {"value": ranked("r1", "r2")}}, record_fields=FIELDS)
    assert "Rank every response" in str(partial.value)

    with pytest.raises(InvalidData) as unknown:
        questions.clean_gold([RATING], {"nope": {"value": 1}}, record_fields=FIELDS)
    assert unknown.value.problems[0].loc == ("nope",)


def test_expected_answers_need_one_graded_question():
    with pytest.raises(InvalidData) as error:
        questions.clean_gold([RATING, TEXT], {"answer": {"value": "only text"}}, record_fields=FIELDS)
    assert "at least one question that is graded" in str(error.value)
    with pytest.raises(InvalidData):
        questions.clean_gold([RATING], {}, record_fields=FIELDS)
