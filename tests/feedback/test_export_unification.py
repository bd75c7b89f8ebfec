"""Several labelers' answers to a record as the layouts unify them (`feedback.unification`):
ratings by their mean or their median, labels by plurality (one label) or by more than
half of the responses (several labels), or by any labeler."""

from __future__ import annotations

from typing import Any

from feedback.exports.layouts import ExportSchema, RecordData, kto, rl_prompts


def record(*ratings: int) -> RecordData:
    return answered("quality", *ratings)


def answered(question: str, *answers: Any) -> RecordData:
    """One response per answer; None is a response that left the question unanswered."""
    responses = [
        {"user": f"l{n}", "status": "submitted", "values": {} if a is None else {question: {"value": a}}}
        for n, a in enumerate(answers)
    ]
    return RecordData(
        id="r",
        external_id=None,
        fields={"prompt": "P", "response": "R"},
        metadata=None,
        status="completed",
        suggestions=[],
        responses=responses,
    )


def schema(**options) -> ExportSchema:
    return ExportSchema(
        prompt_field="prompt",
        prompt_is_chat=False,
        completion_question=None,
        ranking_question=None,
        rating_question="quality",
        completion_field="response",
        question_types={"quality": "rating", "topic": "label_selection", "flags": "multi_label_selection"},
        **options,
    )


def test_kto_labels_by_the_mean_or_the_median():
    # Ratings 1, 5, 5: mean 3.67 (below 4), median 5.
    assert [row["label"] for row in kto(schema(threshold=4), record(1, 5, 5)).rows] == [False]
    assert [row["label"] for row in kto(schema(threshold=4, rating_unification="median"), record(1, 5, 5)).rows] == [
        True
    ]
    assert [row["label"] for row in kto(schema(threshold=4, per_labeler=True), record(1, 5, 5)).rows] == [
        False,
        True,
        True,
    ]


def test_rl_prompts_select_by_the_mean_or_the_median():
    assert rl_prompts(schema(min_rating=4), record(1, 5, 5)).dropped == "rating below the minimum"
    assert rl_prompts(schema(min_rating=4, rating_unification="median"), record(1, 5, 5)).rows == [{"prompt": "P"}]


def test_kto_takes_the_median_between_the_two_middle_ratings():
    # Ratings 2, 3, 4, 5: median 3.5.
    assert [
        row["label"] for row in kto(schema(threshold=3.5, rating_unification="median"), record(2, 3, 4, 5)).rows
    ] == [True]
    assert [
        row["label"] for row in kto(schema(threshold=3.6, rating_unification="median"), record(2, 3, 4, 5)).rows
    ] == [False]


def test_rl_prompts_take_the_most_chosen_single_label():
    # "a" is chosen most often (2 of 4): a plurality is the unified label.
    topic = schema(label_question="topic", require_labels=["a"])
    assert rl_prompts(topic, answered("topic", "a", "a", "b", "c")).rows == [{"prompt": "P"}]
    assert rl_prompts(topic, answered("topic", "b", "b", "a", None)).dropped == "labels do not match"
    # An exact tie at the top has no unified label: the record is dropped whatever the filter.
    assert rl_prompts(topic, answered("topic", "a", "b", "a", "b")).dropped == "labels tie"
    tied = answered("topic", "a", "b")
    assert rl_prompts(schema(label_question="topic", exclude_labels=["c"]), tied).dropped == "labels tie"
    # With `any`, every label someone chose counts: no tie.
    anyone = schema(label_question="topic", require_labels=["b"], label_unification="any")
    assert rl_prompts(anyone, tied).rows == [{"prompt": "P"}]


def test_rl_prompts_take_the_labels_more_than_half_of_the_responses_chose():
    flags = schema(label_question="flags", exclude_labels=["harmful"])
    # 2 of 4 responses (two left the optional question unanswered): not more than half.
    assert rl_prompts(flags, answered("flags", ["harmful"], ["harmful"], None, None)).rows == [{"prompt": "P"}]
    assert rl_prompts(flags, answered("flags", ["harmful"], ["harmful", "unhelpful"], None)).dropped == (
        "labels do not match"
    )
    anyone = schema(label_question="flags", exclude_labels=["harmful"], label_unification="any")
    assert rl_prompts(anyone, answered("flags", ["harmful"], None, None, None)).dropped == "labels do not match"
