"""Property tests: no input makes value validation crash, and every accepted value
round-trips (validating it again gives it back unchanged)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from feedback import questions
from feedback.errors import InvalidData
from tests.feedback.test_questions import FIELDS, LABEL, MULTI, RANKING, RATING, SPAN, STRICT_RANKING, TEXT

QUESTIONS = [RATING, LABEL, MULTI, RANKING, STRICT_RANKING, SPAN, TEXT]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 60)
    | st.floats(allow_nan=True)
    | st.text(max_size=8)
    | st.sampled_from(["code", "a", "b", "r1", "r2", "r3", "name", "place", "rank", "value", "label"]),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(["value", "rank", "label", "start", "end", "x"]), children, max_size=4)
    ),
    max_leaves=20,
)

# Shapes close to valid ones, so that acceptance is exercised too.
near_rankings = st.lists(
    st.fixed_dictionaries(
        {"value": st.sampled_from(["r1", "r2", "r3", "r4"])},
        optional={"rank": st.one_of(st.none(), st.integers(-1, 4))},
    ),
    max_size=4,
)
near_spans = st.lists(
    st.fixed_dictionaries(
        {"label": st.sampled_from(["name", "place", "x"]), "start": st.integers(-1, 30), "end": st.integers(-1, 31)}
    ),
    max_size=4,
)
near_labels = st.lists(st.sampled_from(["a", "b", "c", "z"]), max_size=4)
candidates = json_values | near_rankings | near_spans | near_labels | st.integers(0, 11) | st.text()


def round_trips(question: Any, value: Any, partial: bool) -> None:
    try:
        cleaned = questions.clean_value(question, value, partial=partial, record_fields=FIELDS)
    except InvalidData as error:
        assert error.problems and all(problem.loc[0] == question.name for problem in error.problems)
        return
    again = questions.clean_value(question, cleaned, partial=partial, record_fields=FIELDS)
    assert again == cleaned


@settings(max_examples=400, deadline=None)
@given(question=st.sampled_from(QUESTIONS), value=candidates, partial=st.booleans())
def test_validation_never_crashes_and_accepted_values_round_trip(question, value, partial):
    round_trips(question, value, partial)


@settings(max_examples=200, deadline=None)
@given(
    values=st.dictionaries(st.sampled_from(["quality", "topic", "ranking", "other"]), json_values, max_size=4),
    submitted=st.booleans(),
)
def test_whole_responses_never_crash(values, submitted):
    try:
        cleaned = questions.clean_response_values(
            [RATING, LABEL, RANKING], values, submitted=submitted, record_fields=FIELDS
        )
    except InvalidData as error:
        assert error.problems
        return
    assert (
        questions.clean_response_values([RATING, LABEL, RANKING], cleaned, submitted=submitted, record_fields=FIELDS)
        == cleaned
    )


@settings(max_examples=200, deadline=None)
@given(type_=st.sampled_from(list(questions.KINDS)), raw=json_values)
def test_settings_validation_never_crashes(type_, raw):
    try:
        cleaned = questions.clean_settings(type_, raw)
    except InvalidData:
        return
    assert questions.clean_settings(type_, cleaned) == cleaned
