"""Question settings and answer validation, per type (pure: no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from feedback import questions
from feedback.errors import InvalidData

FIELDS = {"prompt": "Ada Lovelace lived in London."}


@dataclass
class Q:
    name: str
    type: str
    settings: dict[str, Any] = field(default_factory=dict)
    required: bool = True


def make(name: str, type_: str, raw: dict[str, Any], required: bool = True) -> Q:
    return Q(name, type_, questions.clean_settings(type_, raw), required)


RATING = make("quality", "rating", {"options": [{"value": v} for v in range(1, 6)]})
LABEL = make(
    "topic", "label_selection", {"options": [{"value": "code", "text": "Code"}, {"value": "math", "text": "Math"}]}
)
MULTI = make("failures", "multi_label_selection", {"options": [{"value": v, "text": v} for v in ("a", "b", "c")]})
RANKING = make("ranking", "ranking", {"options": [{"value": f"r{n}", "text": f"R{n}"} for n in (1, 2, 3)]})
STRICT_RANKING = make(
    "strict", "ranking", {"options": [{"value": f"r{n}", "text": f"R{n}"} for n in (1, 2, 3)], "allow_ties": False}
)
SPAN = make(
    "entities",
    "span",
    {"field": "prompt", "options": [{"value": "name", "text": "Name"}, {"value": "place", "text": "Place"}]},
)
OVERLAPPING_SPAN = make(
    "spans", "span", {"field": "prompt", "options": [{"value": "name", "text": "Name"}], "allow_overlapping": True}
)
TEXT = make("answer", "text", {"use_markdown": True})


def check(question: Q, value: Any, *, partial: bool = False) -> Any:
    return questions.clean_value(question, value, partial=partial, record_fields=FIELDS)


def problem_text(question: Q, value: Any, *, partial: bool = False) -> str:
    with pytest.raises(InvalidData) as error:
        check(question, value, partial=partial)
    assert all(problem.loc[0] == question.name for problem in error.value.problems)
    return str(error.value)


# Settings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "raw", "expected"),
    [
        ("rating", {"options": [{"value": 1}]}, "between 2 and 11 options"),
        ("rating", {"options": [{"value": 1}, {"value": 11}]}, "integer from 0 to 10"),
        ("rating", {"options": [{"value": 1}, {"value": 1}]}, "appears more than once"),
        ("rating", {"options": [{"value": True}, {"value": 2}]}, "integer from 0 to 10"),
        ("rating", {"options": "1-5"}, "must be a list"),
        ("label_selection", {"options": [{"value": "a", "text": "A"}]}, "between 2 and 500"),
        ("label_selection", {"options": [{"value": "a", "text": "A"}, {"value": "a", "text": "B"}]}, "more than once"),
        ("label_selection", {"options": [{"value": "", "text": "A"}, {"value": "b", "text": "B"}]}, "1 to 200"),
        (
            "label_selection",
            {"options": [{"value": "a", "text": "A"}, {"value": "b", "text": "B"}], "visible_options": 5},
            "must not exceed",
        ),
        ("multi_label_selection", {"options": [{"value": "a"}, {"value": "b"}], "options_order": "random"}, "natural"),
        ("ranking", {"options": [{"value": f"o{n}", "text": "x"} for n in range(51)]}, "between 2 and 50"),
        ("span", {"options": [{"value": "a", "text": "A"}]}, "must name the text field"),
        ("text", {"use_markdown": "yes"}, "true or false"),
        ("rating", {"type": "text", "options": []}, "but the question is 'rating'"),
        ("poll", {}, "unknown question type"),
        ("text", {"use_markdown": "a\u0000b"}, "NUL"),
    ],
)
def test_invalid_settings_are_refused_with_the_place_and_reason(type_, raw, expected):
    with pytest.raises(InvalidData) as error:
        questions.clean_settings(type_, raw)
    assert expected in str(error.value)


def test_settings_are_normalised_and_accept_the_wire_type_key():
    settings = questions.clean_settings(
        "label_selection", {"type": "label_selection", "options": [{"value": "a"}, {"value": "b", "text": "Bee"}]}
    )
    assert settings == {
        "options": [
            {"value": "a", "text": "a", "description": None},
            {"value": "b", "text": "Bee", "description": None},
        ],
        "visible_options": None,
    }
    assert questions.clean_settings("ranking", {"options": RANKING.settings["options"]})["allow_ties"] is True


# Values -------------------------------------------------------------------------------


def test_rating_accepts_its_options_only():
    assert check(RATING, 3) == 3
    assert "is not one of the ratings [1, 2, 3, 4, 5]" in problem_text(RATING, 6)
    problem_text(RATING, "3")
    problem_text(RATING, 3.0)
    problem_text(RATING, True)


def test_label_accepts_one_option_value():
    assert check(LABEL, "code") == "code"
    assert "'Code' is not one of the labels ['code', 'math']" in problem_text(LABEL, "Code")
    problem_text(LABEL, ["code"])


def test_multi_label_must_be_non_empty_distinct_and_valid():
    assert check(MULTI, ["a", "c"]) == ["a", "c"]
    assert "at least one label" in problem_text(MULTI, [])
    assert "only once" in problem_text(MULTI, ["a", "a"])
    assert "'z' is not one of the labels" in problem_text(MULTI, ["a", "z"])
    assert "must be a list" in problem_text(MULTI, "a")


def test_ranking_with_ranks_and_ties():
    value = [{"value": "r2", "rank": 1}, {"value": "r1", "rank": 1}, {"value": "r3", "rank": 3}]
    assert check(RANKING, value) == value
    assert "does not allow ties" in problem_text(STRICT_RANKING, value)


def test_ranking_without_ranks_takes_the_list_order_best_first():
    assert check(RANKING, [{"value": "r3"}, {"value": "r1"}, {"value": "r2"}]) == [
        {"value": "r3", "rank": 1},
        {"value": "r1", "rank": 2},
        {"value": "r2", "rank": 3},
    ]


def test_ranking_is_stored_best_first():
    value = [{"value": "r1", "rank": 3}, {"value": "r2", "rank": 1}, {"value": "r3", "rank": 2}]
    assert [item["value"] for item in check(RANKING, value)] == ["r2", "r3", "r1"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([{"value": "r1", "rank": 1}, {"value": "r2", "rank": 2}], "Rank every response: R3 is missing."),
        ([{"value": "r2", "rank": 1}], "Rank every response: R1 and R3 are missing."),
        ([{"value": "r1"}, {"value": "r1"}, {"value": "r2"}], "repeated: ['r1']"),
        ([{"value": "r1", "rank": 1}, {"value": "r2", "rank": 4}, {"value": "r3", "rank": 2}], "from 1 to 3"),
        ([{"value": "r1", "rank": 0}, {"value": "r2", "rank": 1}, {"value": "r3", "rank": 2}], "from 1 to 3"),
        ([{"value": "r1", "rank": 1}, {"value": "r2"}, {"value": "r3", "rank": 2}], "to every option or to none"),
        ([{"value": "r9"}, {"value": "r2"}, {"value": "r3"}], "'r9' is not one of the options"),
        (["r1", "r2", "r3"], "must be an object"),
        ({"r1": 1}, "must be a list"),
    ],
)
def test_invalid_rankings(value, expected):
    assert expected in problem_text(RANKING, value)


def test_the_form_reads_ranks_per_option_or_a_pair_as_its_two_ranks():
    from django.http import QueryDict

    ranking = questions.kind_of("ranking")
    pair = make("pair", "ranking", {"options": [{"value": "a"}, {"value": "b"}]})
    b_is_better = [{"value": "a", "rank": 2}, {"value": "b", "rank": 1}]
    assert ranking.read_form(pair, QueryDict("pair=2,1")) == (b_is_better, [])
    assert ranking.read_form(pair, QueryDict("pair=1,1"))[0] == [{"value": "a", "rank": 1}, {"value": "b", "rank": 1}]
    # Ranks per option are read first; a pair choice on a longer ranking is not readable.
    assert ranking.read_form(pair, QueryDict("pair=2,1&pair.a=1&pair.b=2"))[0][0] == {"value": "a", "rank": 1}
    assert ranking.read_form(pair, QueryDict("pair=a")) == (None, ["Choose which response is better."])
    assert ranking.read_form(RANKING, QueryDict("ranking=1,2")) == (None, ["Choose which response is better."])
    assert ranking.read_form(RANKING, QueryDict("ranking.r2=1"))[0] == [{"value": "r2", "rank": 1}]


def test_a_draft_ranking_may_be_partial_but_not_repeat():
    assert check(RANKING, [{"value": "r2", "rank": 1}], partial=True) == [{"value": "r2", "rank": 1}]
    assert "repeated" in problem_text(RANKING, [{"value": "r2"}, {"value": "r2"}], partial=True)


def test_spans_inside_the_field_and_not_overlapping():
    spans = [{"label": "name", "start": 0, "end": 12}, {"label": "place", "start": 22, "end": 28}]
    assert check(SPAN, spans) == spans
    assert check(SPAN, []) == []
    assert "end <= 29" in problem_text(SPAN, [{"label": "name", "start": 20, "end": 40}])
    assert "0 <= start < end" in problem_text(SPAN, [{"label": "name", "start": 5, "end": 5}])
    assert "overlaps span" in problem_text(
        SPAN, [{"label": "name", "start": 0, "end": 12}, {"label": "place", "start": 4, "end": 8}]
    )
    assert "'date' is not one of the labels" in problem_text(SPAN, [{"label": "date", "start": 0, "end": 3}])
    overlapping = [{"label": "name", "start": 0, "end": 12}, {"label": "name", "start": 4, "end": 8}]
    assert check(OVERLAPPING_SPAN, overlapping) == overlapping


def test_span_needs_the_record_to_have_the_field():
    with pytest.raises(InvalidData, match="no text in field 'prompt'"):
        questions.clean_value(SPAN, [], partial=False, record_fields={})


def test_text_answers_must_be_storable_text():
    assert check(TEXT, "Paris is the capital.") == "Paris is the capital."
    assert "NUL" in problem_text(TEXT, "bad\u0000")
    assert "surrogate" in problem_text(TEXT, "bad\ud800")
    assert "must be text" in problem_text(TEXT, 42)


# Whole responses ---------------------------------------------------------------------


ALL = [RATING, make("comment", "text", {}, required=False), RANKING]


def clean(values: Any, *, submitted: bool) -> dict[str, Any]:
    return questions.clean_response_values(ALL, values, submitted=submitted, record_fields=FIELDS)


def test_submitted_response_answers_every_required_question():
    with pytest.raises(InvalidData) as error:
        clean({"quality": {"value": 4}}, submitted=True)
    assert [problem.loc for problem in error.value.problems] == [("ranking",)]
    assert "required" in str(error.value)


def test_a_draft_may_be_partial_but_what_it_holds_is_valid():
    assert clean({"quality": {"value": 4}}, submitted=False) == {"quality": {"value": 4}}
    assert clean({}, submitted=False) == {}
    with pytest.raises(InvalidData, match=r"quality\.value"):
        clean({"quality": {"value": 9}}, submitted=False)


def test_every_problem_is_reported_at_its_question():
    with pytest.raises(InvalidData) as error:
        clean({"quality": {"value": 0}, "nope": {"value": 1}, "comment": "hi"}, submitted=True)
    locs = sorted(problem.loc for problem in error.value.problems)
    assert locs == [("comment",), ("nope",), ("quality", "value"), ("ranking",)]


def test_a_blank_required_text_answer_does_not_submit():
    required_text = make("answer", "text", {})
    with pytest.raises(InvalidData, match="empty"):
        questions.clean_response_values(
            [required_text], {"answer": {"value": "   "}}, submitted=True, record_fields=FIELDS
        )


def test_null_values_count_as_no_answer():
    assert clean({"comment": {"value": None}, "quality": {"value": 2}}, submitted=False) == {"quality": {"value": 2}}


# Suggestion scores -------------------------------------------------------------------


def test_scores():
    assert questions.clean_score(3, 0.5) == 0.5
    assert questions.clean_score(["a", "b"], [0.1, 1]) == [0.1, 1]
    assert questions.clean_score(["a"], None) is None
    for value, score, expected in [
        (3, 1.5, "from 0 to 1"),
        (3, [0.5], "single score"),
        (["a", "b"], 0.5, "list of scores"),
        (["a", "b"], [0.5], "2 items"),
        (3, float("nan"), "from 0 to 1"),
        (3, True, "from 0 to 1"),
    ]:
        with pytest.raises(InvalidData, match=expected):
            questions.clean_score(value, score)
